// `audit query`: the records of a ledger that match a time range, event types and a key name.
// The ledger is verified in the same pass that filters it, and matches are shown only when the
// whole ledger verified: a ledger that fails verification is refused, naming its first bad
// record, and no record of it is shown (the records before the bad one verify, but a query
// that quietly showed them would read as an answer about the whole ledger).
import { stat } from 'node:fs/promises';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { LEDGER_EVENT_TYPES, keyFieldsOf } from './events';
import { parseTimeBound } from './query-time';
import type { LedgerRecord } from './types';
import { verifyLedgerFile, type BadRecord, type VerifyResult } from './verify';
import type { VerifiedRecord } from './canonical-scan';

/** What the caller asks, as typed on a command line or in the timeline's filter form. */
export interface AuditQueryInput {
  /** RFC 3339 time or a duration ago (`7d`); records at or after it. */
  since?: string;
  /** RFC 3339 time or a duration ago; records at or before it. */
  until?: string;
  /** Event types (any of them); `key.*` names every known type that starts with `key.`. */
  types?: readonly string[];
  /** A key label: records whose key field (events.ts EVENT_KEY_FIELDS) names it. */
  key?: string;
}

/** The filter after parsing: instants as ISO strings (how records write `time`), types exact. */
export interface AuditFilter {
  since: string | null;
  until: string | null;
  types: string[];
  key: string | null;
}

export interface AuditQueryResult {
  ledger: string;
  /** Whether the whole ledger verified; when false, `records` is empty. */
  ok: boolean;
  filter: AuditFilter;
  /** Records that verified (all of them when ok). */
  scanned: number;
  /** Records that match; `records` holds them all, or the newest `limit` when one was given. */
  matched: number;
  records: LedgerRecord[];
  verification: {
    head: string;
    headWords: string;
    ceremonyId: string | null;
    signaturesChecked: number;
    lastSignedSeq: number | null;
    unsignedTail: number;
    auditKeyFingerprint: string | null;
    firstBad: BadRecord | null;
  };
  /** One sentence on what vouches for the records shown, or why none is shown. */
  verdict: string;
}

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** Each asked type, or every known type a `prefix.*` names; an unknown name is refused. */
export function expandTypes(asked: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of asked) {
    const name = t.trim();
    const found = name.endsWith('.*')
      ? LEDGER_EVENT_TYPES.filter((k) => k.startsWith(name.slice(0, -1)))
      : LEDGER_EVENT_TYPES.filter((k) => k === name);
    if (found.length === 0) {
      throw invalid(
        `Unknown event type "${t}" for --type; the known types are ${LEDGER_EVENT_TYPES.join(', ')} (or a family such as key.*).`,
      );
    }
    for (const k of found) out.add(k);
  }
  return [...out];
}

/** Parses and checks a query before any file is read. */
export function parseAuditFilter(input: AuditQueryInput, now: Date = new Date()): AuditFilter {
  const since = input.since ? parseTimeBound(input.since, '--since', now) : null;
  const until = input.until ? parseTimeBound(input.until, '--until', now) : null;
  if (since && until && since > until) {
    throw invalid(
      `--since ${since.toISOString()} is after --until ${until.toISOString()}, so no record could match; swap them or widen the range.`,
    );
  }
  const key = input.key?.trim();
  if (input.key !== undefined && !key) throw invalid('--key needs a key label.');
  return {
    since: since?.toISOString() ?? null,
    until: until?.toISOString() ?? null,
    types: expandTypes(input.types ?? []),
    key: key ?? null,
  };
}

/** The test one record must pass; built once so the per-record work is a few comparisons. */
export function recordMatcher(
  f: AuditFilter,
): (r: Pick<VerifiedRecord, 'time' | 'type' | 'record'>) => boolean {
  const types = f.types.length ? new Set(f.types) : null;
  const { since, until, key } = f;
  return (r) => {
    // Records write time as Date#toISOString does, so string order is time order.
    if (since !== null && r.time < since) return false;
    if (until !== null && r.time > until) return false;
    if (types !== null && !types.has(r.type)) return false;
    if (key !== null && !keyFieldsOf(r.type).some((field) => r.record().data[field] === key))
      return false;
    return true;
  };
}

function verdictOf(v: VerifyResult, matched: number): string {
  if (!v.ok) {
    const b = v.firstBad;
    return `The ledger does NOT verify, so no record of it is shown: ${b ? `record ${b.seq ?? '?'} (line ${b.line}) is ${b.reason}: ${b.message}` : 'see verify-audit'} Run verify-audit for the full check.`;
  }
  const shown = `${matched} of ${v.records} records match`;
  if (v.auditKey === null)
    return `${shown}. The ledger's hash chain verifies; it declares no audit key, so only a head kept elsewhere vouches for it (head ${v.head}).`;
  if (v.unsignedTail === 0)
    return `${shown}. The ledger verifies: every record is chained and its head is signed by the audit key.`;
  if (v.lastSignedSeq === null)
    return `${shown}. The ledger's hash chain verifies, but no head is signed: compare head ${v.head} with one kept elsewhere.`;
  return `${shown}. The ledger verifies: records 0..${v.lastSignedSeq} are signed by the audit key; the last ${v.unsignedTail} are covered by the hash chain only.`;
}

/**
 * Verifies the ledger at `path` and returns its records that pass `filter`: all of them, or the
 * newest `limit` (then `matched` still counts all), which also bounds what is held.
 */
export async function queryLedger(
  path: string,
  filter: AuditFilter,
  options: { limit?: number } = {},
): Promise<AuditQueryResult> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw invalid(`${path} is not a ledger file but a folder or device.`);
  } catch (e) {
    if (e instanceof OlocusError) throw e;
    throw invalid(
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `There is no ledger at ${path}.`
        : `Cannot read the ledger ${path}: ${(e as Error).message}.`,
    );
  }
  const match = recordMatcher(filter);
  const limit = options.limit ?? Infinity;
  let records: LedgerRecord[] = [];
  let matched = 0;
  const v = await verifyLedgerFile(path, {}, (r) => {
    if (!match(r)) return;
    matched++;
    records.push(r.record());
    // Trimmed in batches, so keeping the newest costs no more than a push per record.
    if (records.length >= 2 * limit) records = records.slice(-limit);
  });
  if (records.length > limit) records = records.slice(-limit);
  if (!v.ok) matched = 0;
  return {
    ledger: path,
    ok: v.ok,
    filter,
    scanned: v.records,
    matched,
    records: v.ok ? records : [],
    verification: {
      head: v.head,
      headWords: v.headWords,
      ceremonyId: v.ceremonyId,
      signaturesChecked: v.signaturesChecked,
      lastSignedSeq: v.lastSignedSeq,
      unsignedTail: v.unsignedTail,
      auditKeyFingerprint: v.auditKey?.fingerprint_sha256 ?? null,
      firstBad: v.firstBad ?? null,
    },
    verdict: verdictOf(v, matched),
  };
}
