// The batch journal: one JSON line per signature, fsynced (several lines per fsync when requests
// finish together) before the signature file is written. After a crash or kill -9 it says what
// was signed, by which member, so a rerun signs only what is missing and rewrites nothing.
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';

export const JOURNAL = '.sign-batch-journal.jsonl';

export interface JournalEntry {
  file: string;
  sha256: string;
  /** Base64. */
  signature: string;
  algorithm: string;
  member: string | null;
}

/** Entries of a journal; a torn last line (a kill mid-write) is ignored: it was never synced. */
export function readJournal(outDir: string): Map<string, JournalEntry> {
  const path = join(outDir, JOURNAL);
  const map = new Map<string, JournalEntry>();
  if (!existsSync(path)) return map;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    try {
      const e = JSON.parse(line) as JournalEntry;
      if (typeof e.file === 'string' && typeof e.signature === 'string') map.set(e.file, e);
    } catch {
      /* torn line */
    }
  }
  return map;
}

export class Journal {
  private queue: { line: string; done: () => void; fail: (e: unknown) => void }[] = [];
  private writing = false;

  private constructor(private readonly fh: FileHandle) {}

  static async open(outDir: string): Promise<Journal> {
    const path = join(outDir, JOURNAL);
    const fh = await open(path, 'a+');
    // After a torn last line, start on a fresh one.
    const { size } = await fh.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await fh.appendFile('\n');
    }
    return new Journal(fh);
  }

  /** Resolves once the entry is on stable storage. */
  add(entry: JournalEntry): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ line: `${JSON.stringify(entry)}\n`, done, fail });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0);
      try {
        await this.fh.appendFile(group.map((g) => g.line).join(''));
        await this.fh.sync();
        for (const g of group) g.done();
      } catch (e) {
        for (const g of group) g.fail(e);
      }
    }
    this.writing = false;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/**
 * Writes a file that must not exist: to a temporary name, synced, then hard-linked into place
 * (link fails if the name exists, so nothing is ever overwritten, and a reader never sees half a
 * file).
 */
export function writeNew(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, join(dir, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `${join(dir, name)} appeared while the batch ran; sign-batch never overwrites a file.`,
      );
    }
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}
