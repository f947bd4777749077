// Compliance facts for the report: the CMVP module table and the algorithm policy.
export {
  CMVP_TABLE,
  lookupModule,
  statusOn,
  type CmvpEntry,
  type CmvpStatus,
  type DatedEntry,
  type HsmIdentity,
  type ModuleVerdict,
} from './cmvp';
export {
  POLICY_IDS,
  assessAlgorithm,
  canonicalAlgorithm,
  type AlgorithmAssessment,
  type Verdict,
} from './algorithm-policy';
export { ledgerAlgorithms, type LedgerAlgorithm } from './ledger-algorithms';
