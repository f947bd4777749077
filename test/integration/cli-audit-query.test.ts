// `audit query` as an auditor runs it: a subprocess over generated ledgers. Each bad input gets
// its sentence and exit code, and the ledger is left byte for byte as it was.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditQueryResult } from '../../src/main/audit';
import { ROOT } from '../helpers/cli';
import { writeGeneratedLedger } from '../helpers/generated-ledger';

let dir: string;
let ledger: string;
let bytes: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'olocus-cli-query-'));
  ledger = join(dir, 'audit.jsonl');
  writeGeneratedLedger(ledger, 600, 200);
  bytes = readFileSync(ledger);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  maxRssKb: number;
}

function query(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        './test/helpers/report-maxrss.mjs',
        'src/cli/run.ts',
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxrss-kb (\d+)\n$/.exec(stderr);
      resolve({
        code,
        stdout,
        stderr: stderr.replace(/maxrss-kb \d+\n$/, ''),
        maxRssKb: rss ? Number(rss[1]) : NaN,
      });
    });
  });
}

describe('audit query', () => {
  it('answers a filtered query as one JSON document and as text', async () => {
    const json = await query([
      'audit',
      'query',
      ledger,
      '--type',
      'key.generated',
      '--key',
      'audit',
      '--json',
    ]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as AuditQueryResult;
    expect(doc.ok).toBe(true);
    // key.generated is every 6th record and "audit" every 5th key: seq ≡ 0 mod 6 and ≡ 3 mod 5.
    const byHand = Array.from({ length: 600 }, (_, i) => i).filter(
      (i) => i > 0 && i % 6 === 0 && i % 5 === 3 && i % 200 !== 199,
    );
    expect(doc.records.map((r) => r.seq)).toEqual(byHand);

    const text = await query([
      'audit',
      'query',
      dir,
      '--since',
      '2026-01-01T10:00:00Z',
      '--until',
      '2026-01-01T10:03:00Z',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('3 of 600 records match. The ledger verifies');
    expect(text.stdout).toMatch(
      /^400 +2026-01-01T10:00:00\.000Z +key\.migrated +alice .*label root-2026/m,
    );
    expect(text.stdout).toMatch(
      /^402 +2026-01-01T10:03:00\.000Z +key\.generated +alice .*label issuing-b/m,
    );
  });

  it('refuses --since after --until (exit 2)', async () => {
    const r = await query(['audit', 'query', ledger, '--since', '1h', '--until', '2d']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(
      /^error: --since \S+ is after --until \S+, so no record could match; swap them or widen the range\.$/,
    );
  });

  it('refuses an unknown --type, naming the known types (exit 2)', async () => {
    const r = await query(['audit', 'query', ledger, '--type', 'key.rotated.twice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /Unknown event type "key\.rotated\.twice" for --type; the known types are ledger\.opened, chain\.signed, /,
    );
  });

  it('refuses a ledger that does not exist (exit 2)', async () => {
    const r = await query(['audit', 'query', join(dir, 'missing.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`error: There is no ledger at ${join(dir, 'missing.jsonl')}.`);
  });

  it('shows no record of a ledger that fails verification (exit 1)', async () => {
    const lines = bytes.toString('utf8').split('\n');
    lines.splice(300, 1); // record 300 removed from the middle
    const cut = join(dir, 'cut.jsonl');
    const fd = openSync(cut, 'w');
    writeSync(fd, lines.join('\n'));
    closeSync(fd);
    const r = await query(['audit', 'query', cut, '--type', 'key.generated']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'The ledger does NOT verify, so no record of it is shown: record 301 (line 301) is missing: Record 300 is missing before record 301 (line 301)',
    );
    expect(r.stdout).not.toMatch(/key\.generated +alice/);
    const json = JSON.parse(
      (await query(['audit', 'query', cut, '--json'])).stdout,
    ) as AuditQueryResult;
    expect(json.ok).toBe(false);
    expect(json.records).toEqual([]);
    expect(readFileSync(ledger).equals(bytes)).toBe(true);
  });

  it('refuses a 100 MB single-line ledger in bounded memory (exit 1)', async () => {
    const big = join(dir, 'one-line.jsonl');
    const fd = openSync(big, 'w');
    const chunk = Buffer.alloc(1 << 20, 0x61); // 'a', no newline anywhere
    for (let i = 0; i < 100; i++) writeSync(fd, chunk);
    closeSync(fd);
    const small = await query(['audit', 'query', ledger, '--type', 'chain.signed']);
    const r = await query(['audit', 'query', big]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'The ledger does NOT verify, so no record of it is shown: record 0 (line 1) is malformed: Line 1 (at byte 0) is longer than 1048576 bytes without a line break',
    );
    // Reading the line whole would cost 100 MB and more; the reader holds one 4 MB buffer.
    expect(small.maxRssKb).toBeGreaterThan(0);
    expect(r.maxRssKb - small.maxRssKb).toBeLessThan(40 * 1024);
  });
});
