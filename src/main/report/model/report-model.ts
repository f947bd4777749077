// What the report prints, derived once from the run's evidence, the signer and the compliance
// tables. Sections only lay this out; they decide nothing.
import { createHash } from 'node:crypto';
import { toPgpWords } from '../../audit/index';
import {
  ledgerAlgorithms,
  lookupModule,
  type HsmIdentity,
  type LedgerAlgorithm,
  type ModuleVerdict,
} from '../../compliance/index';
import type { ReportSigner } from '../sign/report-signer';
import type { RunEvidence } from './run-evidence';

export interface ReportModel {
  evidence: RunEvidence;
  signer: ReportSigner;
  reportId: string;
  generatedAt: Date;
  /** The ledger head printed on the cover and in the metadata: hash of the last record. */
  head: string;
  headWords: string;
  /** The token the ceremony ran on, as the ledger and the signer's HSM describe it. */
  hsm: HsmIdentity & { tokenLabel?: string; serial?: string };
  module: ModuleVerdict;
  algorithms: LedgerAlgorithm[];
  ledgerSha256: string;
}

function hsmOf(evidence: RunEvidence, signer: ReportSigner): ReportModel['hsm'] {
  const rec = evidence.records.find((r) => r.type === 'token.initialized')?.data ?? {};
  const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const fromLedger: ReportModel['hsm'] = {
    ...(s(rec.manufacturer) ? { tokenManufacturer: s(rec.manufacturer) } : {}),
    ...(s(rec.model) ? { tokenModel: s(rec.model) } : {}),
    ...(s(rec.firmware) ? { firmwareVersion: s(rec.firmware) } : {}),
    ...(s(rec.label) ? { tokenLabel: s(rec.label) } : {}),
    ...(s(rec.serial) ? { serial: s(rec.serial) } : {}),
  };
  // The ledger is the record of the day; the signer's live reading fills what it lacks.
  return { ...signer.hsm, ...fromLedger };
}

export function reportIdFor(head: string, generatedAt: Date, ceremonyId: string): string {
  const stamp = generatedAt.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `OCR-${ceremonyId}-${stamp}Z-${head.slice(0, 8)}`;
}

export function buildModel(
  evidence: RunEvidence,
  signer: ReportSigner,
  options: { generatedAt?: Date; reportId?: string } = {},
): ReportModel {
  const generatedAt = options.generatedAt ?? new Date();
  const head = evidence.records.at(-1)?.hash ?? '0'.repeat(64);
  const hsm = hsmOf(evidence, signer);
  return {
    evidence,
    signer,
    generatedAt,
    reportId: options.reportId ?? reportIdFor(head, generatedAt, evidence.ceremony.id),
    head,
    headWords: toPgpWords(head).join(' '),
    hsm,
    module: lookupModule(hsm, generatedAt),
    algorithms: ledgerAlgorithms(evidence.records),
    ledgerSha256: createHash('sha256').update(evidence.ledgerBytes).digest('hex'),
  };
}
