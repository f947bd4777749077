// A large ledger verified in two halves at once: this thread checks records from 0 up to a line
// boundary near the middle while a worker thread checks the rest (verify-segment.ts), so the
// hashing of a 100,000-record ledger uses both cores of a small machine. Nothing is weakened:
// the worker's half is believed only when this half verified and ends exactly where the worker's
// first line says the chain stands (same seq, same prev, and the same record 0 behind the key).
// Anything else (a bad line on either side, a mismatch at the seam, a worker that fails to
// start) returns null and the caller verifies the whole ledger the ordinary way, which finds
// the first bad record and words it exactly as a sequential check does.
import { open } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { ChainChecker, ParsedRecord } from './chain-checker';
import type { VerifiedRecord } from './canonical-scan';
import { readLinesFromFile } from './line-reader';
import type { LedgerRecord } from './types';
import type { SegmentReport, SegmentTask } from './verify-segment';
import { summarise, type VerifyResult } from './verify';
import { takeSegmentWorker } from './verify-start';

export { PARALLEL_FROM_BYTES, spareCore } from './verify-start';

/** Where the second half starts: a little after the middle, as the worker takes time to start. */
export const SPLIT_FRACTION = 0.55;

/** The worker's report, or null when it failed or exited without one. */
function reportOf(worker: Worker): Promise<SegmentReport | null> {
  return new Promise((resolve) => {
    worker.once('message', (m: SegmentReport) => resolve(m));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
}

/** Offset of the first line that starts at or after `at`, or null when there is none nearby. */
export async function lineStartAfter(
  path: string,
  at: number,
  size: number,
): Promise<number | null> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, at - 1);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    const start = nl < 0 ? null : at + nl;
    return start !== null && start < size ? start : null;
  } finally {
    await fh.close();
  }
}

export interface HalvesResult<T> {
  v: VerifyResult;
  /** What was kept of the matching records, oldest first (the newest `limit` when one was given). */
  kept: T[];
  matched: number;
}

/**
 * Verifies the ledger at `path` (`size` bytes) in two threads, matching records with `filter`
 * on both sides; null when the two halves do not make one verified ledger (then verify it whole).
 */
export async function verifyInHalves<T>(
  path: string,
  size: number,
  task: Omit<SegmentTask, 'path' | 'start'>,
  match: (r: VerifiedRecord) => boolean,
  keep: { record: (r: VerifiedRecord) => T; line: (line: string) => T },
  fraction = SPLIT_FRACTION,
): Promise<HalvesResult<T> | null> {
  const split = await lineStartAfter(path, Math.max(1, Math.floor(size * fraction)), size);
  if (split === null) return null;
  let worker: Worker;
  try {
    worker = takeSegmentWorker();
  } catch {
    return null;
  }
  const report = reportOf(worker);
  worker.postMessage({ ...task, path, start: split } satisfies SegmentTask);
  try {
    const limit = task.limit ?? Infinity;
    const checker = new ChainChecker();
    let genesisHash: string | null = null;
    let kept: T[] = [];
    let matched = 0;
    const read = await readLinesFromFile(
      path,
      (buf, start, end) => {
        const before = checker.records;
        checker.push(buf, start, end);
        if (checker.records === before) return;
        if (before === 0) genesisHash = checker.head;
        const r = checker.last!;
        if (!match(r)) return;
        matched++;
        kept.push(keep.record(r));
        if (kept.length >= 2 * limit) kept = kept.slice(-limit);
      },
      { end: split },
    );
    if (checker.bad || read.tail || read.overlong || read.completeBytes !== split) return null;
    const w = await report;
    if (
      !w?.ok ||
      w.genesisHash !== genesisHash ||
      w.firstSeq !== checker.records ||
      w.firstPrev !== checker.head
    )
      return null;
    const last = new ParsedRecord(JSON.parse(w.lastLine) as LedgerRecord, w.lastLine);
    checker.absorb(w.state, last, w.accepted);
    for (const line of w.matches) kept.push(keep.line(line));
    if (kept.length > limit) kept = kept.slice(-limit);
    const v = summarise(
      checker,
      { tail: null, completeBytes: w.totalBytes, totalBytes: w.totalBytes },
      {},
    );
    return { v, kept, matched: matched + w.matched };
  } finally {
    void worker.terminate();
  }
}
