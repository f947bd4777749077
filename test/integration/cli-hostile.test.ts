// Hostile inputs at the command line: each is refused with its sentence and its exit code, in
// bounded time, and nothing is written next to the input.
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'olocus-cli-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => {
    const p = String.fromCharCode(97 + i);
    const n = String.fromCharCode(98 + i);
    return `${n}: &${n} [${Array(9).fill(`*${p}`).join(',')}]`;
  }),
].join('\n');

function files(): string[] {
  return readdirSync(dir).sort();
}

describe('hostile files given to the CLI', () => {
  it('a script that is an alias bomb, nested deep or 50 MB: exit 2, one sentence each', async () => {
    writeFileSync(join(dir, 'bomb.yaml'), BOMB);
    writeFileSync(join(dir, 'deep.yaml'), `steps: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    writeFileSync(join(dir, 'big.yaml'), 'ceremony:\n');
    truncateSync(join(dir, 'big.yaml'), 50 * 1024 * 1024);
    const before = files();
    const t = Date.now();
    const runs = await Promise.all([
      runCli(['ceremony', 'validate', join(dir, 'bomb.yaml')]),
      runCli(['config', 'check', join(dir, 'deep.yaml')]),
      runCli(['ceremony', 'validate', join(dir, 'big.yaml')]),
    ]);
    expect(Date.now() - t).toBeLessThan(60_000);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]!.stderr).toMatch(/bomb\.yaml:1:1: YAML could not be read: .*alias/i);
    expect(runs[1]!.stderr).toMatch(
      /deep\.yaml:1:1: the file nests lists and sections more than 32 levels deep/,
    );
    expect(runs[2]!.stderr).toContain(
      'big.yaml:1:1: the file is 52428800 bytes, more than the 1048576 bytes a script or configuration may have; it was not read',
    );
    expect(files()).toEqual(before);
  });

  it('a ledger with a 100 MB line: exit 1 naming the line; a file that is not a report: exit 1 naming it', async () => {
    const ledger = join(dir, 'audit.jsonl');
    writeFileSync(ledger, `{${' '.repeat(100 * 1024 * 1024)}\n`);
    const size = statSync(ledger).size;
    const r = await runCli(['verify-audit', ledger]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /does NOT verify: .*Line 1 \(at byte 0\) is longer than 1048576 bytes without a line break/,
    );
    expect(statSync(ledger).size).toBe(size);

    const pdf = join(dir, 'report.pdf');
    writeFileSync(pdf, '%PDF-1.7\n% not a report\n');
    const p = await runCli(['verify-report', pdf]);
    expect(p.code).toBe(1);
    expect(p.stdout).toMatch(/pdf: Not a PDF this verifier can read/);
  });
});
