// Torn-tail recovery. A crash (or power cut) mid-append can leave part of a line after the last
// newline. That line was never acknowledged, but it is still evidence of what was attempted, so
// it is moved to `<ledger>.torn-<time>` before the ledger is cut back to its last complete
// record. Order matters: evidence is durable before the truncation, so a crash in between
// leaves a second copy of the evidence rather than none.
import { open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sha256Hex } from './canonical';
import { writeNewFileDurably } from './durable';

export interface Recovery {
  /** Where the torn bytes were kept. */
  evidencePath: string;
  /** 1-based line number the unfinished line had. */
  line: number;
  /** Byte offset the ledger was truncated to. */
  offset: number;
  tornBytes: number;
  tornSha256: string;
  /** Complete records kept: 0..keptRecords-1. */
  keptRecords: number;
}

function evidenceName(path: string, now: Date, attempt: number): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return `${path}.torn-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
}

export async function recoverTornTail(
  path: string,
  tear: { line: number; offset: number; keptRecords: number },
  now: Date,
): Promise<Recovery> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const torn = Buffer.alloc(size - tear.offset);
    await fh.read(torn, 0, torn.length, tear.offset);
    const dir = dirname(path);
    let evidencePath = '';
    for (let attempt = 0; ; attempt++) {
      evidencePath = evidenceName(path, now, attempt);
      try {
        await writeNewFileDurably(evidencePath, dir, torn);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 99) throw e;
      }
    }
    await fh.truncate(tear.offset);
    await fh.sync();
    return {
      evidencePath,
      line: tear.line,
      offset: tear.offset,
      tornBytes: torn.length,
      tornSha256: sha256Hex(torn),
      keptRecords: tear.keptRecords,
    };
  } finally {
    await fh.close();
  }
}

/** What the ledger records about a recovery, so the chain itself says it happened. */
export function recoveryEventData(r: Recovery): Record<string, unknown> {
  if (r.line < 0) {
    // Found on a later open: where it was cut is no longer known, only what was kept.
    return {
      evidence_file: basename(r.evidencePath),
      torn_bytes: r.tornBytes,
      torn_sha256: r.tornSha256,
      found_later: true,
    };
  }
  return {
    evidence_file: basename(r.evidencePath),
    torn_line: r.line,
    torn_offset: r.offset,
    torn_bytes: r.tornBytes,
    torn_sha256: r.tornSha256,
    kept_records: r.keptRecords,
  };
}

/**
 * Evidence files beside the ledger that no `ledger.recovered` record names: left by a crash
 * after the tail was cut but before the recovery was recorded. Rare, so the ledger is only read
 * again when such a file exists.
 */
export async function findUnrecordedEvidence(path: string): Promise<Recovery[]> {
  const prefix = `${basename(path)}.torn-`;
  const names = (await readdir(dirname(path))).filter((n) => n.startsWith(prefix)).sort();
  if (names.length === 0) return [];
  const ledger = await readFile(path, 'utf8');
  const found: Recovery[] = [];
  for (const name of names) {
    if (ledger.includes(`"evidence_file":${JSON.stringify(name)}`)) continue;
    const evidencePath = join(dirname(path), name);
    const bytes = await readFile(evidencePath);
    found.push({
      evidencePath,
      line: -1,
      offset: -1,
      tornBytes: bytes.length,
      tornSha256: sha256Hex(bytes),
      keptRecords: -1,
    });
  }
  return found;
}
