// The audit query's answer as the timeline screen receives it: record headers with a one-line
// summary (the record's data stays in main, as for readLedger), the filter as main understood
// it, the verification behind the answer, and the event catalogue for the type filter.
import { z } from 'zod';
import { ledgerRecordHeader } from './contract-wizard';

export const auditQueryResult = z.object({
  ledger: z.string(),
  /** Whether the whole ledger verified; when false, `records` is empty and `verdict` says why. */
  ok: z.boolean(),
  filter: z.object({
    since: z.string().nullable(),
    until: z.string().nullable(),
    types: z.array(z.string()),
    key: z.string().nullable(),
  }),
  scanned: z.number(),
  /** Every match; `records` holds the newest `limit` of them. */
  matched: z.number(),
  records: z.array(z.object({ ...ledgerRecordHeader, summary: z.string() })),
  verification: z.object({
    head: z.string(),
    headWords: z.string(),
    ceremonyId: z.string().nullable(),
    signaturesChecked: z.number(),
    lastSignedSeq: z.number().nullable(),
    unsignedTail: z.number(),
    auditKeyFingerprint: z.string().nullable(),
    firstBad: z
      .object({
        seq: z.number().nullable(),
        line: z.number(),
        reason: z.string(),
        message: z.string(),
      })
      .nullable(),
  }),
  verdict: z.string(),
  /** The event types a query may name (src/main/audit/events.ts). */
  knownTypes: z.array(z.string()),
});
