// `--config FILE` drives the command: the token, module and PIN source come from hsm.pkcs11, a
// key is named by its label alone, a full URI still wins, and bad configs fail with a sentence,
// the right exit code and nothing changed on the token.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import type { CliRun } from '../helpers/cli';
import { keysGenerate, tokenForCli } from '../helpers/cli-keys';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const work = mkdtempSync(join(tmpdir(), 'olocus-cli-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const t = tokenForCli('cfg-main', '314159', work);
const other = createToken('cfg-other', '271828');

function config(name: string, pkcs11: Record<string, string | number>, extra = ''): string {
  const lines = Object.entries(pkcs11).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  const file = join(work, name);
  writeFileSync(
    file,
    `hsm:\n  provider: softhsm\n  pkcs11:\n${lines.join('\n')}\n  connection:\n    retry_attempts: 2\n  pool:\n    max_sessions: 3\n${extra}`,
  );
  return file;
}

const good = config('good.yaml', {
  module_path: SOFTHSM_MODULE,
  token_label: t.token.label,
  pin_source: `file:${t.pinFile}`,
});

async function labels(tokenUri: string): Promise<string[]> {
  const r = await runCli(['keys', 'list', '--hsm', tokenUri, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label).sort();
}

beforeAll(async () => {
  const r = await runCli([...keysGenerate(t.tokenUri, 'ec-p256', 'root-2026'), '--json']);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

describe('--config opens the token hsm.pkcs11 names', () => {
  it('keys list --config F, with no URI, lists the config token logged in', async () => {
    const r = await runCli(['keys', 'list', '--config', good, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      token: { label: string };
      loggedIn: boolean;
      keys: { label: string; class: string }[];
    };
    expect(doc.token.label).toBe('cfg-main');
    expect(doc.loggedIn).toBe(true);
    expect(doc.keys.some((k) => k.label === 'root-2026' && k.class === 'private')).toBe(true);
  });

  it('sign and verify take --key LABEL once a config is given', async () => {
    const data = join(work, 'data.txt');
    const sig = join(work, 'data.sig');
    writeFileSync(data, 'hello');
    const s = await runCli([
      'sign',
      '--config',
      good,
      '--key',
      'root-2026',
      '--in',
      data,
      '--out',
      sig,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const v = await runCli([
      'verify',
      '--config',
      good,
      '--key',
      'root-2026',
      '--in',
      data,
      '--sig',
      sig,
    ]);
    expect(v.code, v.stderr).toBe(0);
  });

  it('a full URI still wins over the config token', async () => {
    const uri = `pkcs11:token=${other.label}?module-path=${SOFTHSM_MODULE}`;
    const r = await runCli(['keys', 'list', '--config', good, '--hsm', uri, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { token: { label: string } }).token.label).toBe('cfg-other');
  });

  it('a bare label without --config is a usage error naming both ways out', async () => {
    const r = await runCli([
      'sign',
      '--key',
      'root-2026',
      '--in',
      good,
      '--out',
      join(work, 'x.sig'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /"root-2026" names no token: give a full pkcs11: URI, or --config FILE/,
    );
  });
});

describe('ceremonies read --config too', () => {
  it('a rehearsal with a bad config stops before anything is written: exit 2, file:line:col', async () => {
    const out = join(work, 'rehearsal');
    const r = await runCli([
      'ceremony',
      'rehearse',
      'resources/ceremonies/root-ca.yaml',
      '--out',
      out,
      '--config',
      'test/fixtures/config/bad-pool.yaml',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-pool\.yaml:4:\d+: hsm\.pool\.min_sessions \(10\) is greater/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('bad configs: a clear sentence, the exit code, the token as before', () => {
  /** `keys generate` with the config `f` fails with `code` and `sentence`; the keys stay as they were. */
  async function refused(f: string, code: number, sentence: RegExp): Promise<CliRun> {
    const before = await labels(t.tokenUri);
    const r = await runCli([
      'keys',
      'generate',
      '--config',
      f,
      '--type',
      'ec-p256',
      '--label',
      'never-made',
    ]);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(sentence);
    expect(await labels(t.tokenUri)).toEqual(before);
    return r;
  }

  it('a module that does not exist: error 100, exit 3, keys unchanged', async () => {
    const f = config('no-module.yaml', {
      module_path: join(work, 'nowhere/libvendor.so'),
      token_label: t.token.label,
    });
    await refused(f, 3, /HSM error 100 .*nowhere\/libvendor\.so could not be found/);
  });

  it('a token that is not there: error 103, exit 3, keys unchanged', async () => {
    const f = config('no-token.yaml', {
      module_path: SOFTHSM_MODULE,
      token_label: 'no-such-token',
      pin_source: `file:${t.pinFile}`,
    });
    await refused(f, 3, /HSM error 103 .*no-such-token/);
  });

  it('an unreadable PIN source: exit 2 naming the file, keys unchanged, no PIN printed', async () => {
    // A directory, not a 0000 file: this suite may run as root, who reads any file.
    const locked = join(work, 'pin-dir');
    mkdirSync(locked);
    const missing = join(work, 'missing.pin');
    for (const [name, file, why] of [
      ['locked', locked, 'is not a regular file'],
      ['missing', missing, 'does not exist'],
    ] as const) {
      const f = config(`${name}-pin.yaml`, {
        module_path: SOFTHSM_MODULE,
        token_label: t.token.label,
        pin_source: `file:${file}`,
      });
      const r = await refused(f, 2, new RegExp(`error: The PIN file ${file} ${why}\\.`));
      expect(r.stdout + r.stderr).not.toContain(t.token.userPin);
    }
  });
});
