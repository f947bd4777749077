// Names the report writer and its verifier share: the custom document-information keys, the
// XMP namespace and the attachment name of the ledger.
export const INFO_KEYS = {
  head: 'OlocusLedgerHead',
  reportId: 'OlocusReportId',
  ceremonyId: 'OlocusCeremonyId',
  records: 'OlocusLedgerRecords',
} as const;
export const XMP_NS = 'urn:olocus:ceremony-report:1';
export const LEDGER_ATTACHMENT = 'audit.jsonl';
