// `audit query`: the records of a ledger that match a time range, event types and a key name.
// The ledger is verified in the same pass that filters it, and matches are shown only when the
// whole ledger verified: a ledger that fails verification is refused, naming its first bad
// record, and no record of it is shown (the records before the bad one verify, but a query
// that quietly showed them would read as an answer about the whole ledger).
import { stat } from 'node:fs/promises';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { LEDGER_EVENT_TYPES } from './events';
import { parseTimeBound } from './query-time';
import type { LedgerRecord } from './types';
import { verifyLedgerFile, type BadRecord, type VerifyResult } from './verify';
import { recordMatcher, type AuditFilter } from './query-match';
import type { VerifiedRecord } from './canonical-scan';
import { PARALLEL_FROM_BYTES, spareCore, verifyInHalves } from './verify-parallel';

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

export type { AuditFilter } from './query-match';
export { recordMatcher } from './query-match';

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

/** What a query keeps of a matching record: the parsed record, or its line as written. */
interface Keep<T> {
  /** From a record this thread verified. */
  record: (r: VerifiedRecord) => T;
  /** From the line of a record the other thread verified (verify-parallel.ts). */
  line: (line: string) => T;
}

const AS_RECORDS: Keep<LedgerRecord> = {
  record: (r) => r.record(),
  line: (line) => JSON.parse(line) as LedgerRecord,
};
const AS_LINES: Keep<string> = { record: (r) => r.line(), line: (line) => line };

export interface QueryOptions {
  /** Keep only the newest this many matches (`matched` still counts all). */
  limit?: number;
  /**
   * From this size on, the two halves are verified in two threads (verify-parallel.ts); by
   * default from 16 MiB, and only while the machine has a core to spare.
   */
  parallelFromBytes?: number;
}

/** Verifies the whole ledger in this thread, keeping the matches (the newest `limit`). */
async function verifyWhole<T>(
  path: string,
  match: (r: VerifiedRecord) => boolean,
  limit: number,
  keep: Keep<T>,
): Promise<{ v: VerifyResult; kept: T[]; matched: number }> {
  let kept: T[] = [];
  let matched = 0;
  const v = await verifyLedgerFile(path, {}, (r) => {
    if (!match(r)) return;
    matched++;
    kept.push(keep.record(r));
    // Trimmed in batches, so keeping the newest costs no more than a push per record.
    if (kept.length >= 2 * limit) kept = kept.slice(-limit);
  });
  if (kept.length > limit) kept = kept.slice(-limit);
  return { v, kept, matched };
}

async function runQuery<T>(
  path: string,
  filter: AuditFilter,
  options: QueryOptions,
  keep: Keep<T>,
): Promise<{ result: Omit<AuditQueryResult, 'records'>; kept: T[] }> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw invalid(`${path} is not a ledger file but a folder or device.`);
    size = info.size;
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
  const task = { filter, limit: options.limit ?? null };
  // Two threads for a large ledger when a core is free; the answer is the same either way.
  const twoThreads =
    options.parallelFromBytes !== undefined
      ? size >= options.parallelFromBytes
      : size >= PARALLEL_FROM_BYTES && spareCore();
  const both = twoThreads ? await verifyInHalves(path, size, task, match, keep) : null;
  const { v, kept, matched } = both ?? (await verifyWhole(path, match, limit, keep));
  const shown = v.ok ? matched : 0;
  return {
    kept: v.ok ? kept : [],
    result: {
      ledger: path,
      ok: v.ok,
      filter,
      scanned: v.records,
      matched: shown,
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
      verdict: verdictOf(v, shown),
    },
  };
}

/**
 * Verifies the ledger at `path` and returns its records that pass `filter`: all of them, or the
 * newest `limit` (then `matched` still counts all), which also bounds what is held.
 */
export async function queryLedger(
  path: string,
  filter: AuditFilter,
  options: QueryOptions = {},
): Promise<AuditQueryResult> {
  const { result, kept } = await runQuery(path, filter, options, AS_RECORDS);
  return { ...result, records: kept };
}

/**
 * The same query, keeping each matching record as its line (its canonical JSON as written), for
 * a front that prints JSON: the records are then never parsed and written out again.
 */
export async function queryLedgerLines(
  path: string,
  filter: AuditFilter,
  options: QueryOptions = {},
): Promise<{ result: Omit<AuditQueryResult, 'records'>; lines: string[] }> {
  const { result, kept } = await runQuery(path, filter, options, AS_LINES);
  return { result, lines: kept };
}
