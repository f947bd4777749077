// The audit ledger: a hash-chained, HSM-signed JSONL event log and its independent verifier.
// FORMAT.md is the specification an auditor reads; this is the API the engine uses.
export { Ledger, type CreateOptions, type OpenOptions, type OpenedLedger } from './ledger';
export type { Recovery } from './recovery';
export {
  verifyLedger,
  verifyLedgerBytes,
  verifyLedgerFile,
  type BadReason,
  type BadRecord,
  type Completeness,
  type LedgerSource,
  type TornTail,
  type VerifyOptions,
  type VerifyResult,
} from './verify';
export { canonicalJson, encodeRecord, recomputeHash, sha256Hex } from './canonical';
export { assertAuditData, secretFieldReason } from './data-guard';
export { describeAuditKey, headSignatureMessage, verifySignature } from './audit-key';
export { formatHexGroups, fromPgpWords, toPgpWords } from './pgp-words';
export * from './types';
export { generateSoftwareSigner, softwareSigner } from './software-signer';
export * from './events';
export {
  expandTypes,
  parseAuditFilter,
  queryLedger,
  queryLedgerLines,
  recordMatcher,
  type AuditFilter,
  type AuditQueryInput,
  type AuditQueryResult,
  type QueryOptions,
} from './query';
export { parseTimeBound, TIME_FORMS } from './query-time';
