// The one reader of ledger records, for every reader that is not the verifier (the verifier,
// verify.ts with chain-checker.ts, judges bytes; these read what the records say). A damaged
// line is the caller's to count, skip or stop at, never a throw: reading is not judging.
import { readLinesFromFile } from './line-reader';
import type { LedgerRecord } from './types';

/** A record's header: everything but its data and the previous record's hash. */
export interface LedgerHeader {
  seq: number;
  time: string;
  actor: string;
  step: string | null;
  type: string;
  hash: string;
}

export interface ReadLedger {
  records: LedgerRecord[];
  /** Complete lines that are not a record, plus an unfinished last line. */
  unreadableLines: number;
}

/**
 * A ledger line parsed, with its header fields checked one by one (a damaged line may be any
 * JSON at all); null for a line that is not JSON or lacks a header field.
 */
export function parseLedgerLine(
  line: string,
): { header: LedgerHeader; fields: Record<string, unknown> } | null {
  try {
    const r = JSON.parse(line) as Record<string, unknown>;
    if (
      r !== null &&
      typeof r === 'object' &&
      typeof r.seq === 'number' &&
      typeof r.time === 'string' &&
      typeof r.actor === 'string' &&
      (typeof r.step === 'string' || r.step === null) &&
      typeof r.type === 'string' &&
      typeof r.hash === 'string'
    ) {
      const { seq, time, actor, step, type, hash } = r;
      return { header: { seq, time, actor, step, type, hash }, fields: r };
    }
  } catch {
    // not JSON: the caller counts or skips it
  }
  return null;
}

/** A whole record: a header with an integer seq, the previous hash and a data object. */
function asRecord(line: string): LedgerRecord | null {
  const r = parseLedgerLine(line)?.fields;
  if (
    r &&
    Number.isSafeInteger(r.seq) &&
    typeof r.prev === 'string' &&
    r.data !== null &&
    typeof r.data === 'object' &&
    !Array.isArray(r.data)
  ) {
    return r as unknown as LedgerRecord;
  }
  return null;
}

/**
 * Every readable record of the file, in file order. Read line by line: a line longer than any
 * record (line-reader's cap) is counted unreadable and skipped without being held in memory.
 */
export async function readLedgerRecords(path: string): Promise<ReadLedger> {
  const records: LedgerRecord[] = [];
  let unreadableLines = 0;
  const read = await readLinesFromFile(
    path,
    (buf, start, end) => {
      const r = end > start ? asRecord(buf.toString('utf8', start, end)) : null;
      if (r) records.push(r);
      else unreadableLines++;
    },
    { skipOverlong: true },
  );
  // A line never finished (a crash mid-append) and overlong lines are unreadable too.
  if (read.tail) unreadableLines++;
  unreadableLines += read.overlong?.skipped ?? 0;
  return { records, unreadableLines };
}

/** Parses ledger lines in order; the first line that is not JSON ends the list (verification names it). */
export function parseRecordsUntilDamage(bytes: Uint8Array): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  for (const line of Buffer.from(bytes).toString('utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LedgerRecord);
    } catch {
      break;
    }
  }
  return out;
}
