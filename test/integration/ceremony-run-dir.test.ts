// A run directory holds share cards, backups and the ledger: the built CLI makes it 0700 with
// state.json, backups and cards 0600, and refuses a directory others can write, touching nothing.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'olocus-run-dir-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/olocus-ceremony.js'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe('run directory modes', () => {
  it('a new run directory is 0700, its folders 0700, state.json, backups and cards 0600', async () => {
    const out = join(work, 'fresh', 'run');
    const r = await cli(['demo', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(out)).toBe(0o700);
    for (const d of ['backup', 'shares', 'certificates', 'public-keys'])
      expect(mode(join(out, d)), d).toBe(0o700);
    expect(mode(join(out, 'state.json'))).toBe(0o600);
    const backups = readdirSync(join(out, 'backup'));
    expect(backups.some((f) => f.endsWith('.wrapped'))).toBe(true);
    for (const f of backups) expect(mode(join(out, 'backup', f)), f).toBe(0o600);
    for (const f of readdirSync(join(out, 'shares')))
      expect(mode(join(out, 'shares', f)), f).toBe(0o600);
  }, 60_000);

  it('an existing empty directory readable by others is tightened to 0700, not refused', async () => {
    const out = join(work, 'readable');
    mkdirSync(out);
    chmodSync(out, 0o755);
    const r = await cli(['demo', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(out)).toBe(0o700);
  }, 60_000);

  const writable: [string, string, number][] = [
    ['its group', '0770', 0o770],
    ['any user', '0757', 0o757],
    ['any user', '1777', 0o1777],
  ];
  it.each(writable)(
    'a directory %s can write (mode %s) is refused with exit 2 and nothing is written',
    async (who, shown, m) => {
      const out = join(work, `open-${m.toString(8)}`);
      mkdirSync(out);
      chmodSync(out, m);
      const r = await cli(['demo', '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        `error: ${out} can be written by ${who} (mode ${shown.replace(/^1/, '0')}); a run refuses a directory others can write. Use a new directory, or chmod 700 it.`,
      );
      expect(readdirSync(out)).toEqual([]);
      expect(statSync(out).mode & 0o7777).toBe(m);
    },
    30_000,
  );

  it('ceremony run refuses a group-writable --out the same way', async () => {
    const out = join(work, 'group-run');
    mkdirSync(out);
    chmodSync(out, 0o775);
    const r = await cli([
      'ceremony',
      'run',
      join(ROOT, 'resources/ceremonies/root-ca.yaml'),
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('can be written by its group (mode 0775)');
    expect(readdirSync(out)).toEqual([]);
  }, 30_000);

  it('a symbolic link as --out is refused', async () => {
    const target = join(work, 'real-target');
    mkdirSync(target, { mode: 0o700 });
    const link = join(work, 'link-out');
    symlinkSync(target, link);
    const r = await cli(['demo', '--out', link]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${link} is not a directory (it is a symbolic link)`);
    expect(readdirSync(target)).toEqual([]);
  }, 30_000);
});
