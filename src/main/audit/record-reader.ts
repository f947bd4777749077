// The one reader of ledger records, for every reader that is not the verifier (the verifier,
// verify.ts with chain-checker.ts, judges bytes; these read what the records say). A damaged
// line is the caller's to count, skip or stop at, never a throw: reading is not judging.
import { readFile } from 'node:fs/promises';
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

/** Every readable record of the file, in file order. */
export async function readLedgerRecords(path: string): Promise<ReadLedger> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  // The piece after the last newline is a line never finished (a crash mid-append), or ''.
  const torn = lines.pop() ?? '';
  const records: LedgerRecord[] = [];
  let unreadableLines = torn === '' ? 0 : 1;
  for (const line of lines) {
    const r = line ? asRecord(line) : null;
    if (r) records.push(r);
    else unreadableLines++;
  }
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
