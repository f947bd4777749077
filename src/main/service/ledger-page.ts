// The audit timeline's view of a ledger: records' headers and a one-line summary of each
// record's data, a page at a time. This reads; it does not judge (verifyAudit checks the chain
// and signatures), so a damaged line is counted and skipped rather than refused.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { isSecretName } from '../../shared/secret-names';
import { secretFieldReason } from '../audit/data-guard';
import { toPgpWords } from '../audit/pgp-words';
import type { LedgerRecord } from '../audit/types';
import { readLedgerRecords } from '../audit/record-reader';
import type { LedgerHeader, ReadLedger } from '../audit/record-reader';

export { parseLedgerLine, readLedgerRecords } from '../audit/record-reader';
export type { LedgerHeader, ReadLedger } from '../audit/record-reader';

export interface LedgerRecordView extends LedgerHeader {
  summary: string;
}

export interface LedgerPage {
  path: string;
  records: LedgerRecordView[];
  total: number;
  head: string | null;
  headWords: string | null;
  unreadableLines: number;
}

export const DEFAULT_PAGE = 200;
const SUMMARY_MAX = 160;

/** A ledger file, or the audit.jsonl of the run directory named. */
export async function resolveLedgerPath(path: string): Promise<string> {
  try {
    return (await stat(path)).isDirectory() ? join(path, 'audit.jsonl') : path;
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Cannot read the ledger ${path}: ${(cause as Error).message}.`,
      { cause },
    );
  }
}

const secretLike = (key: string) => isSecretName(key) || secretFieldReason(key) !== null;

function shorten(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A scalar as it reads in a summary: long hex and base64 shortened, text on one line. */
function scalar(v: unknown): string | null {
  if (v === null) return 'none';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v !== 'string') return null;
  if (/^[0-9a-f]{40,}$/.test(v)) return `${v.slice(0, 16)}…`;
  if (v.length > 60 && /^[A-Za-z0-9+/=]+$/.test(v)) return `${v.slice(0, 12)}…`;
  return shorten(v, 60);
}

/** `key value` pairs of the data, one level of nesting flattened, secret-named keys left out. */
function describeFields(data: Record<string, unknown>, prefix = '', depth = 0): string[] {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (secretLike(key)) continue;
    const name = `${prefix}${key}`;
    if (Array.isArray(value)) {
      const items = value.map(scalar);
      parts.push(
        items.every((x) => x !== null) && items.length <= 5
          ? `${name} ${items.join(', ')}`
          : `${name} (${value.length})`,
      );
    } else if (value !== null && typeof value === 'object') {
      if (depth < 1) parts.push(...describeFields(value as Record<string, unknown>, `${name}.`, 1));
    } else {
      const s = scalar(value);
      if (s !== null) parts.push(`${name} ${s}`);
    }
  }
  return parts;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * One line describing a record's data. Fields named like a secret are dropped by the same
 * guards the contract and the ledger writer use, though the writer never let one in.
 */
export function summarizeRecord(r: Pick<LedgerRecord, 'type' | 'data'>): string {
  const d = Object.fromEntries(Object.entries(r.data).filter(([k]) => !secretLike(k)));
  let text: string | null = null;
  switch (r.type) {
    case 'ledger.opened':
      text = `ledger opened for ${str(d.ceremony_id) ?? 'a ceremony'}`;
      break;
    case 'ceremony.started':
      text = [str(d.name), str(d.location), str(d.mode) && `mode ${String(d.mode)}`]
        .filter(Boolean)
        .join(' · ');
      break;
    case 'step.started':
      text = str(d.title);
      break;
    case 'witness.signed':
      text = str(d.witness) && `${String(d.witness)} signed: ${str(d.statement) ?? ''}`;
      break;
    case 'share.accepted':
      text = str(d.custodian) && `share of ${String(d.custodian)} accepted`;
      break;
    case 'chain.signed':
      text =
        typeof d.seq_signed === 'number'
          ? `head signed through record ${d.seq_signed}${str(d.algorithm) ? ` (${String(d.algorithm)})` : ''}`
          : null;
      break;
  }
  if (!text) text = describeFields(d).join(', ');
  return shorten(text || r.type, SUMMARY_MAX);
}

export interface LedgerPageOptions {
  /** The first record's seq (default 0). */
  fromSeq?: number;
  /** At most this many records (default 200). */
  limit?: number;
  /** The last `limit` records from `fromSeq` on, rather than the first: the newest page. */
  fromEnd?: boolean;
}

/** Records from `fromSeq` (default 0), at most `limit` (default 200), oldest first. */
export async function readLedgerPage(
  path: string,
  options: LedgerPageOptions = {},
): Promise<LedgerPage> {
  const file = await resolveLedgerPath(path);
  let read: ReadLedger;
  try {
    read = await readLedgerRecords(file);
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Cannot read the ledger ${file}: ${(cause as Error).message}.`,
      { cause },
    );
  }
  const from = options.fromSeq ?? 0;
  const limit = options.limit ?? DEFAULT_PAGE;
  const after = read.records.filter((r) => r.seq >= from);
  const page = options.fromEnd ? after.slice(-limit) : after.slice(0, limit);
  const head = read.records.at(-1)?.hash ?? null;
  return {
    path: file,
    records: page.map((r) => ({
      seq: r.seq,
      time: r.time,
      actor: r.actor,
      step: r.step,
      type: r.type,
      hash: r.hash,
      summary: summarizeRecord(r),
    })),
    total: read.records.length,
    head,
    headWords: head && /^[0-9a-f]{64}$/.test(head) ? toPgpWords(head).join(' ') : null,
    unreadableLines: read.unreadableLines,
  };
}
