// verifyLedger: what an auditor runs. A verification failure is a result, not an exception;
// only an unreadable input (no such file) throws.
import { stat } from 'node:fs/promises';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { ChainChecker, short, type BadRecord } from './chain-checker';
import type { VerifiedRecord } from './canonical-scan';
import {
  MAX_LINE_BYTES,
  readLinesFromBuffer,
  readLinesFromFile,
  type ReadOutcome,
} from './line-reader';
import { toPgpWords } from './pgp-words';
import { EVENT_SIGNED, type AuditKeyInfo, type LedgerRecord } from './types';

export type { BadReason, BadRecord } from './chain-checker';

/** A path, or the ledger's content itself. */
export type LedgerSource = string | { text: string } | Uint8Array;

export interface VerifyOptions {
  /**
   * A head published outside the ledger (printed in the report, read aloud, notarised). Without
   * one, removing records from the end is undetectable; with one, the ledger must end there.
   */
  expectedHead?: string;
  /** The audit key fingerprint (SPKI SHA-256 hex) the ledger must have been opened with. */
  expectedKeyFingerprint?: string;
  /**
   * Fail (key-mismatch) on a ledger whose record 0 declares it has no audit key. A ceremony's
   * ledger is always signed; only a transfer ledger written outside one may be unsigned.
   */
  requireAuditKey?: boolean;
  /**
   * Fail (incomplete) on a ledger that verifies but does not end the way a finished ceremony's
   * does: `ceremony.finished`, then a `chain.signed` over it. A ledger cut after any signed head
   * is otherwise a valid, shorter ledger.
   */
  requireComplete?: boolean;
}

/** Whether the ledger ends as a finished ceremony's does, and where it ends if not. */
export interface Completeness {
  complete: boolean;
  /** The last record that verified (null when none did). */
  lastSeq: number | null;
  lastType: string | null;
  message: string;
}

export interface TornTail {
  /** 1-based line number of the unfinished line. */
  line: number;
  /** Byte offset where the unfinished line starts: the file is truncated back to this. */
  offset: number;
  bytes: number;
  /** Complete records before it that verify (the records recovery keeps). */
  keptRecords: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Records that verified, counting from record 0 up to the first bad one. */
  records: number;
  /** Hash of the last record that verified; print it with the report as the external anchor. */
  head: string;
  headWords: string;
  signaturesChecked: number;
  /** Highest seq covered by a valid head signature, or null if none is. */
  lastSignedSeq: number | null;
  /** Verified records after the last chain.signed record: covered by hashes, not signatures. */
  unsignedTail: number;
  ceremonyId: string | null;
  auditKey: AuditKeyInfo | null;
  bytes: number;
  firstBad?: BadRecord;
  tornTail?: TornTail;
  /** The last record that verified (the ledger uses it to resume). */
  lastRecord: LedgerRecord | null;
  /** Complete: ends with ceremony.finished and a head signature over it. */
  completeness: Completeness;
}

export const EVENT_FINISHED = 'ceremony.finished';

function completenessOf(checker: ChainChecker, bad: BadRecord | undefined): Completeness {
  const last = checker.last?.record() ?? null;
  const where = last
    ? { lastSeq: last.seq, lastType: last.type }
    : { lastSeq: null, lastType: null };
  if (!last)
    return { complete: false, ...where, message: 'The ledger holds no record that verifies.' };
  const signedOverFinish =
    last.type === EVENT_SIGNED && checker.beforeLastType === EVENT_FINISHED && !checker.unsigned;
  const upTo =
    bad && bad.reason !== 'head-mismatch' ? `, where verification stopped (${bad.reason})` : '';
  if (signedOverFinish && !bad)
    return {
      complete: true,
      ...where,
      message: `The ledger is complete: it ends with ceremony.finished (record ${last.seq - 1}) and a head signature over it (record ${last.seq}).`,
    };
  if (checker.unsigned)
    return {
      complete: false,
      ...where,
      message: `The ledger has no audit key, so nothing marks its end: it holds records 0..${last.seq}${upTo}; only a head recorded elsewhere shows whether records were cut from its end.`,
    };
  const signed =
    checker.lastSignedSeq === null
      ? 'no head of it is signed'
      : last.type === EVENT_SIGNED
        ? `that record signs the head at record ${last.seq - 1} (${checker.beforeLastType ?? '?'}), not at ceremony.finished`
        : `record${last.seq - checker.lastSignatureAt! > 1 ? `s ${checker.lastSignatureAt! + 1}..${last.seq}` : ` ${last.seq}`} after the last head signature (record ${checker.lastSignatureAt}) ${last.seq - checker.lastSignatureAt! > 1 ? 'are' : 'is'} covered by the hash chain only`;
  return {
    complete: false,
    ...where,
    message: `The ledger ends early, after record ${last.seq} (${last.type}${last.step ? `, step ${last.step}` : ''})${upTo}: ${signed}. A finished ceremony's ledger ends with ceremony.finished and a head signature over it.`,
  };
}

/** The result of a checker that has seen every line (also used by verify-parallel.ts). */
export function summarise(
  checker: ChainChecker,
  read: ReadOutcome,
  opts: VerifyOptions,
): VerifyResult {
  let bad = checker.finish();
  if (!bad && read.overlong) {
    bad = {
      seq: checker.records,
      line: checker.lines + 1,
      reason: 'malformed',
      message: `Line ${checker.lines + 1} (at byte ${read.overlong.offset}) is longer than ${MAX_LINE_BYTES} bytes without a line break: no record is that long, so it is not a ledger record and was not read; records 0..${checker.records - 1} before it verify.`,
    };
  }
  let tornTail: TornTail | undefined;
  if (read.tail) {
    tornTail = {
      line: checker.lines + 1,
      offset: read.completeBytes,
      bytes: read.tail.length,
      keptRecords: checker.records,
    };
    if (!bad) {
      const n = checker.records;
      bad = {
        seq: n,
        line: tornTail.line,
        reason: 'torn-tail',
        message:
          n === 0
            ? `Line 1 is incomplete (${tornTail.bytes} bytes, no newline): the ledger was cut short while being created and holds no complete record.`
            : `Line ${tornTail.line} is incomplete (${tornTail.bytes} bytes, no newline), a write cut short by a crash; records 0..${n - 1} before it verify and recovery keeps them.`,
      };
    }
  }
  if (!bad && checker.lines === 0) {
    bad = {
      seq: 0,
      line: 1,
      reason: 'malformed',
      message: 'The ledger is empty: it has no ledger.opened record.',
    };
  }
  const want = opts.expectedHead?.toLowerCase();
  if (!bad && want && want !== checker.head) {
    bad = {
      seq: checker.records - 1,
      line: checker.lines,
      reason: 'head-mismatch',
      message: `The ledger ends at record ${checker.records - 1} with head ${short(checker.head)}, not at the published head ${short(want)}: records were removed from its end or it is another ledger.`,
    };
  }
  const completeness = completenessOf(checker, bad ?? undefined);
  if (!bad && opts.requireComplete && !completeness.complete) {
    bad = {
      seq: checker.last?.seq ?? 0,
      line: checker.lines,
      reason: 'incomplete',
      message: completeness.message,
    };
  }
  const signedUpTo = checker.lastSignatureAt;
  return {
    ok: bad === null,
    records: checker.records,
    head: checker.head,
    headWords: toPgpWords(checker.head).join(' '),
    signaturesChecked: checker.signaturesChecked,
    lastSignedSeq: checker.lastSignedSeq,
    unsignedTail: signedUpTo === null ? checker.records : checker.records - signedUpTo - 1,
    ceremonyId: checker.ceremonyId,
    auditKey: checker.key?.info ?? null,
    bytes: read.totalBytes,
    ...(bad ? { firstBad: bad } : {}),
    ...(tornTail ? { tornTail } : {}),
    lastRecord: checker.last?.record() ?? null,
    completeness,
  };
}

export function verifyLedgerBytes(bytes: Uint8Array, opts: VerifyOptions = {}): VerifyResult {
  const checker = new ChainChecker(opts.expectedKeyFingerprint, opts.requireAuditKey);
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = readLinesFromBuffer(buf, checker.push);
  return summarise(checker, read, opts);
}

export async function verifyLedger(
  source: LedgerSource,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  if (typeof source !== 'string') {
    const bytes = source instanceof Uint8Array ? source : Buffer.from(source.text, 'utf8');
    return verifyLedgerBytes(bytes, opts);
  }
  return verifyLedgerFile(source, opts);
}

/**
 * Verifies the file at `path`, handing each record that verifies to `onRecord` as it goes (the
 * caller must not believe them until the result says ok): its header, and the whole record when
 * the caller asks for it (`record()`), so records nobody looks at are never parsed. A line over
 * the checker's limit is skipped rather than held, so memory stays flat whatever the file holds.
 */
export async function verifyLedgerFile(
  path: string,
  opts: VerifyOptions = {},
  onRecord?: (record: VerifiedRecord) => void,
): Promise<VerifyResult> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Cannot read the audit ledger ${path}: ${cause instanceof Error ? cause.message : String(cause)}.`,
      { cause },
    );
  }
  const checker = new ChainChecker(opts.expectedKeyFingerprint, opts.requireAuditKey);
  let sink = checker.push;
  if (onRecord) {
    sink = (buf, start, end) => {
      const before = checker.records;
      checker.push(buf, start, end);
      if (checker.records !== before) onRecord(checker.last!);
    };
  }
  const read = await readLinesFromFile(path, sink);
  return summarise(checker, read, opts);
}
