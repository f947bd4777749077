// Feeds a ledger to the checker line by line without holding the whole file or copying lines:
// the callback gets a view of a shared buffer, valid only until it returns.
import { open } from 'node:fs/promises';

export type LineSink = (buf: Buffer, start: number, end: number) => void;

export interface ReadOutcome {
  /** Bytes after the last newline: a line that was never finished. */
  tail: Buffer | null;
  /** Offset of the first byte not covered by a complete line. */
  completeBytes: number;
  totalBytes: number;
}

/** Splits `buf` into lines; returns where the unfinished remainder starts. */
function drain(buf: Buffer, sink: LineSink): number {
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) return pos;
    sink(buf, pos, nl);
    pos = nl + 1;
  }
}

export function readLinesFromBuffer(bytes: Buffer, sink: LineSink): ReadOutcome {
  const rest = drain(bytes, sink);
  return {
    tail: rest < bytes.length ? bytes.subarray(rest) : null,
    completeBytes: rest,
    totalBytes: bytes.length,
  };
}

export async function readLinesFromFile(
  path: string,
  sink: LineSink,
  chunkSize = 4 << 20,
  /**
   * A line longer than this is handed to the sink cut at the buffer's end (the checker then
   * refuses it by its length) and its remaining bytes are skipped, not held: memory stays at
   * one buffer for a 100 MB line with no newline. Without it, the buffer grows to hold any line.
   */
  maxLineBytes?: number,
): Promise<ReadOutcome> {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkSize);
    let filled = 0;
    let consumed = 0; // file offset of buf[0]
    let skipping = false; // inside an oversized line already handed over
    for (;;) {
      if (filled === buf.length) {
        if (maxLineBytes !== undefined && filled > maxLineBytes) {
          if (!skipping) sink(buf, 0, filled);
          skipping = true;
          consumed += filled;
          filled = 0;
        } else {
          // One line longer than the buffer: grow rather than split it.
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
      }
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, consumed + filled);
      if (bytesRead === 0) {
        if (skipping) {
          // The oversized line ran to the end of the file: already refused, nothing to keep.
          return { tail: null, completeBytes: consumed + filled, totalBytes: consumed + filled };
        }
        if (maxLineBytes !== undefined && filled > maxLineBytes) {
          // Longer than any record: not a write cut short by a crash, so not a torn tail.
          sink(buf, 0, filled);
          return { tail: null, completeBytes: consumed + filled, totalBytes: consumed + filled };
        }
        return {
          tail: filled > 0 ? Buffer.from(buf.subarray(0, filled)) : null,
          completeBytes: consumed,
          totalBytes: consumed + filled,
        };
      }
      let view = buf.subarray(0, filled + bytesRead);
      if (skipping) {
        const nl = view.indexOf(10, filled);
        if (nl < 0) {
          filled = view.length;
          continue;
        }
        skipping = false;
        buf.copyWithin(0, nl + 1, view.length);
        consumed += nl + 1;
        view = buf.subarray(0, view.length - nl - 1);
      }
      const rest = drain(view, sink);
      buf.copyWithin(0, rest, view.length);
      filled = view.length - rest;
      consumed += rest;
    }
  } finally {
    await fh.close();
  }
}
