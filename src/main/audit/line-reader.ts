// Feeds a ledger to the checker line by line without holding the whole file or copying lines:
// the callback gets a view of a shared buffer, valid only until it returns.
import { open } from 'node:fs/promises';

export type LineSink = (buf: Buffer, start: number, end: number) => void;

/**
 * No record this product writes comes near this (the largest, a transfer with certificates and
 * attestation, is tens of kilobytes); a longer line is not a record, and reading it whole would
 * let a hostile file decide how much memory a verifier takes.
 */
export const MAX_LINE_BYTES = 1 << 20;

export interface ReadOutcome {
  /** Bytes after the last newline: a line that was never finished. */
  tail: Buffer | null;
  /** Offset of the first byte not covered by a complete line. */
  completeBytes: number;
  totalBytes: number;
  /**
   * A line longer than the cap: reading stopped at its start (completeBytes), or, when the
   * caller asked to skip such lines, the number skipped.
   */
  overlong?: { offset: number; skipped: number };
}

export interface LineReadOptions {
  chunkSize?: number;
  maxLineBytes?: number;
  /** Skip an overlong line (up to its newline) instead of stopping there. */
  skipOverlong?: boolean;
  /** Read from this byte offset (the start of a line) instead of the beginning. */
  start?: number;
  /** Stop reading at this byte offset (just after a newline) instead of the end of the file. */
  end?: number;
}

/** Splits `buf` into lines; returns where the unfinished remainder starts, or an overlong line. */
function drain(buf: Buffer, sink: LineSink, max: number): { rest: number; overlong: boolean } {
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) return { rest: pos, overlong: buf.length - pos > max };
    if (nl - pos > max) return { rest: pos, overlong: true };
    sink(buf, pos, nl);
    pos = nl + 1;
  }
}

export function readLinesFromBuffer(
  bytes: Buffer,
  sink: LineSink,
  maxLineBytes = MAX_LINE_BYTES,
): ReadOutcome {
  const { rest, overlong } = drain(bytes, sink, maxLineBytes);
  return {
    tail: !overlong && rest < bytes.length ? bytes.subarray(rest) : null,
    completeBytes: rest,
    totalBytes: bytes.length,
    ...(overlong ? { overlong: { offset: rest, skipped: 0 } } : {}),
  };
}

export async function readLinesFromFile(
  path: string,
  sink: LineSink,
  options: LineReadOptions = {},
): Promise<ReadOutcome> {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.min(options.chunkSize ?? 4 << 20, max + 1));
    let filled = 0;
    let consumed = options.start ?? 0; // file offset of buf[0]
    const stop = options.end ?? Infinity;
    let skipped = 0;
    let skipping = false; // inside an overlong line being skipped: drop bytes up to its newline
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: grow rather than split it, up to the cap.
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, max + 1));
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const want = Math.min(buf.length - filled, stop - consumed - filled);
      const { bytesRead } =
        want > 0 ? await fh.read(buf, filled, want, consumed + filled) : { bytesRead: 0 };
      if (bytesRead === 0) break;
      filled += bytesRead;
      let start = 0;
      for (;;) {
        if (skipping) {
          const nl = buf.subarray(0, filled).indexOf(10, start);
          if (nl < 0) {
            start = filled;
            break;
          }
          skipping = false;
          start = nl + 1;
        }
        const { rest, overlong } = drain(buf.subarray(start, filled), sink, max);
        start += rest;
        if (!overlong) break;
        if (!options.skipOverlong) {
          return {
            tail: null,
            completeBytes: consumed + start,
            totalBytes: (await fh.stat()).size,
            overlong: { offset: consumed + start, skipped: 0 },
          };
        }
        skipped++;
        skipping = true;
      }
      buf.copyWithin(0, start, filled);
      consumed += start;
      filled -= start;
    }
    return {
      tail: filled > 0 && !skipping ? Buffer.from(buf.subarray(0, filled)) : null,
      completeBytes: consumed,
      totalBytes: consumed + filled,
      ...(skipped > 0 ? { overlong: { offset: consumed, skipped } } : {}),
    };
  } finally {
    await fh.close();
  }
}
