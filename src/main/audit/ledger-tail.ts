// Follows a run's audit.jsonl while the run works and reports each record's header as it
// lands. The engine appends durably and knows nothing of windows, so the window learns of new
// records by reading the file the auditor will read, not from a side channel. `data` is not
// forwarded: the ledger is the place to read it, and the event stays small.
import { open, stat } from 'node:fs/promises';
import { parseLedgerLine } from './record-reader';
import type { LedgerHeader } from './record-reader';

export type { LedgerHeader };

export class LedgerTail {
  private offset = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Reads run one after another, so records are reported once and in order. */
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly onRecord: (h: LedgerHeader) => void,
    private readonly pollMs = 250,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref?.();
  }

  /** Stops polling after one last read, so the final records of a run are not missed. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.poll();
  }

  poll(): Promise<void> {
    this.reading = this.reading.then(() => this.read()).catch(() => {});
    return this.reading;
  }

  private async read(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      return; // not created yet (the token step creates it)
    }
    // Recovery may cut a torn tail off; start again from where the file now ends.
    if (size < this.offset) this.offset = size;
    if (size === this.offset) return;
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end < 0) return;
      this.offset += end + 1;
      for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
        // A torn line is skipped: the next read sees it whole, or recovery truncates it.
        const h = line ? parseLedgerLine(line)?.header : null;
        if (h) this.onRecord(h);
      }
    } finally {
      await fh.close();
    }
  }
}
