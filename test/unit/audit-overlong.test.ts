// A ledger with one 100 MB line: verification names the line and stops there with bounded
// memory; resuming it is refused and leaves the file as it was; the record readers count it
// unreadable, skip it and still read the records around it.
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner, verifyLedger } from '../../src/main/audit';
import { MAX_LINE_BYTES } from '../../src/main/audit/line-reader';
import { readLedgerRecords } from '../../src/main/audit/record-reader';

const dir = mkdtempSync(join(tmpdir(), 'olocus-overlong-'));
let honest = '';
const HUGE = 100 * 1024 * 1024;

beforeAll(async () => {
  const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
  const path = join(dir, 'honest.jsonl');
  const ledger = await Ledger.create(path, { ceremonyId: 'long', actor: 'alice', signer });
  for (let i = 1; i <= 3; i++)
    await ledger.append({
      actor: 'bob',
      step: `s${i}`,
      type: 'key.generated',
      data: { label: `k${i}` },
    });
  await ledger.close();
  honest = readFileSync(path, 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The honest ledger, then one line of `HUGE` bytes ("{" and spaces: it would parse slowly). */
function withHugeLine(name: string, newline: boolean, after = ''): string {
  const path = join(dir, name);
  writeFileSync(path, honest);
  const chunk = Buffer.alloc(8 * 1024 * 1024, 0x20);
  chunk[0] = 0x7b;
  for (let n = 0; n < HUGE; n += chunk.length) {
    appendFileSync(path, chunk);
    chunk[0] = 0x20;
  }
  if (newline) appendFileSync(path, `\n${after}`);
  return path;
}

describe('a ledger with a 100 MB line', () => {
  it.each([
    ['ending in a newline', true],
    ['never finished', false],
  ])('%s: verification names the line, in bounded time and memory', async (_name, newline) => {
    const path = withHugeLine(`huge-${String(newline)}.jsonl`, newline, honest);
    const before = process.memoryUsage();
    const t = Date.now();
    const v = await verifyLedger(path);
    expect(Date.now() - t).toBeLessThan(5000);
    const after = process.memoryUsage();
    expect(after.rss - before.rss).toBeLessThan(3 * MAX_LINE_BYTES + 16 * 1024 * 1024);
    expect(v.ok).toBe(false);
    expect(v.records).toBe(4);
    expect(v.tornTail).toBeUndefined();
    expect(v.firstBad).toMatchObject({ line: 5, reason: 'malformed' });
    expect(v.firstBad?.message).toBe(
      `Line 5 (at byte ${Buffer.byteLength(honest)}) is longer than ${MAX_LINE_BYTES} bytes without a line break: no record is that long, so it is not a ledger record and was not read; records 0..3 before it verify.`,
    );
  });

  it('resuming it is refused with that sentence, and nothing is written or truncated', async () => {
    const path = withHugeLine('resume.jsonl', false);
    const size = statSync(path).size;
    const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
    await expect(Ledger.open(path, { signer })).rejects.toThrow(
      /^Cannot resume the audit ledger .*resume\.jsonl: Line 5 .* is longer than/,
    );
    expect(statSync(path).size).toBe(size);
    expect(readFileSync(path).subarray(0, honest.length).toString()).toBe(honest);
    const leftovers = (await import('node:fs')).readdirSync(dir).filter((f) => f.includes('torn'));
    expect(leftovers).toEqual([]);
  });

  it('the record reader skips it, counts it, and reads the records on either side', async () => {
    const path = withHugeLine('read.jsonl', true, honest);
    const r = await readLedgerRecords(path);
    expect(r.unreadableLines).toBe(1);
    expect(r.records.map((x) => x.seq)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });
});
