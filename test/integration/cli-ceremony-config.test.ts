// `ceremony run --config FILE`, `ceremony rehearse --config` and `ceremony drill` on a script
// whose hsm section names no module and no token: the config's hsm.pkcs11 does, the run records
// the token it started on, a full URI in the script still wins, and a config that names a
// missing module or a token that already exists stops the run before anything is written.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { createToken, SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-ceremony-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const OFFICERS = ['Olga Officer', 'Oscar Officer'];

/** A two-officer script (both needed): initialise the token, generate one key. `hsm` is the script's hsm section. */
function script(name: string, hsm: string): string {
  const file = join(work, name);
  writeFileSync(
    file,
    [
      'version: 1',
      `ceremony: { id: ${name.replace(/\W+/g, '-').replace(/-yaml$/, '')}, name: Config test, location: Lab }`,
      hsm,
      `roles: { administrator: Ada Admin, officers: [${OFFICERS.join(', ')}] }`,
      'quorum: { threshold: 2 }',
      // Headless: no one is at a terminal to confirm receipt of a printed card.
      'keep_cards: true',
      'steps:',
      '  - { id: init-token, type: token.initialize }',
      '  - { id: cfg-key, type: key.generate, key: { label: cfg-key-2026, type: ec-p256 } }',
      '',
    ].join('\n'),
  );
  return file;
}

function config(name: string, pkcs11: Record<string, string>): string {
  const file = join(work, `config-${name}`);
  const lines = Object.entries(pkcs11).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  writeFileSync(
    file,
    `hsm:\n  provider: softhsm\n  pkcs11:\n${lines.join('\n')}\n  pool:\n    max_sessions: 2\n`,
  );
  return file;
}

/** `--share NAME=FILE` for every officer: each card as typed from its PDF. */
function shares(dir: string): string[] {
  return OFFICERS.flatMap((name) => {
    const slug = name.toLowerCase().replace(/ /g, '-');
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'shares', `${slug}.pdf`), '-'], {
      encoding: 'utf8',
    });
    const typed = text
      .split('\n')
      .map((l) => /^\s*\d+\s+([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})*)\s+([A-Z2-7]{2})\s*$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]}  ${m[2]}`)
      .join('\n');
    const f = join(work, `${slug}-card.txt`);
    writeFileSync(f, typed);
    return ['--share', `${name}=${f}`];
  });
}

async function labelsOn(token: string): Promise<string[]> {
  const r = await runCli([
    'keys',
    'list',
    '--hsm',
    `pkcs11:token=${token}?module-path=${SOFTHSM_MODULE}`,
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label).sort();
}

const NO_HSM = '# no hsm section: the --config file names the token';

describe('ceremony run --config: the token comes from hsm.pkcs11', () => {
  const dir = join(work, 'run');
  const cfg = config('run.yaml', { module_path: SOFTHSM_MODULE, token_label: 'cfg-ceremony' });

  it('initialises the config token, records it, resumes only there, and its key is named by label', async () => {
    const s = script('run.yaml', NO_HSM);
    const first = await runCli(['ceremony', 'run', s, '--out', dir, '--config', cfg]);
    // One officer, no --share yet: the run stops after the token is made, asking for the card.
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).toMatch(/0 of 2 shares presented/);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      hsm: { modulePath: string; tokenLabel: string };
      token: { label: string };
    };
    expect(state.hsm).toEqual({ modulePath: SOFTHSM_MODULE, tokenLabel: 'cfg-ceremony' });
    expect(state.token.label).toBe('cfg-ceremony');

    // Resumed with a config that names another token: refused, the run as it was.
    const before = readFileSync(join(dir, 'state.json'), 'utf8');
    const other = config('other.yaml', { module_path: SOFTHSM_MODULE, token_label: 'cfg-else' });
    const elsewhere = await runCli(['ceremony', 'run', s, '--out', dir, '--config', other]);
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toMatch(
      /This run started on token "cfg-ceremony" of .*, but the script and config now name token "cfg-else" .*; resume it with the config it started with\./,
    );
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(before);

    const second = await runCli([
      'ceremony',
      'run',
      s,
      '--out',
      dir,
      '--config',
      cfg,
      ...shares(dir),
      '--json',
    ]);
    expect(second.code, second.stderr).toBe(0);
    // The key is on the config's token, and `keys list --config` (no URI) finds it by label.
    const listed = await runCli(['keys', 'list', '--config', cfg, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout) as {
      token: { label: string };
      keys: { label: string }[];
    };
    expect(keys.token.label).toBe('cfg-ceremony');
    expect(keys.keys.map((k) => k.label)).toContain('cfg-key-2026');
    expect((await runCli(['verify-audit', join(dir, 'audit.jsonl')])).code).toBe(0);
  }, 180_000);

  it('a drill signs on the token the run recorded, with no config given', async () => {
    const r = await runCli(['ceremony', 'drill', dir, ...shares(dir)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/signed by the audit key/);
  }, 60_000);
});

describe('the script, the config and the throwaway token', () => {
  it('a full URI in the script wins: the run ignores a config whose module does not exist', async () => {
    const dir = join(work, 'full-uri');
    const s = script(
      'full.yaml',
      `hsm: { uri: 'pkcs11:token=cfg-full?module-path=${SOFTHSM_MODULE}' }`,
    );
    const cfg = config('nowhere.yaml', {
      module_path: join(work, 'nowhere/libvendor.so'),
      token_label: 'cfg-never',
    });
    const r = await runCli(['ceremony', 'run', s, '--out', dir, '--config', cfg]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/0 of 2 shares presented/);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      hsm: { tokenLabel: string; modulePath: string };
    };
    expect(state.hsm).toEqual({ modulePath: SOFTHSM_MODULE, tokenLabel: 'cfg-full' });
  }, 120_000);

  it('a rehearsal takes the config token label but never its module (a throwaway SoftHSM)', async () => {
    const dir = join(work, 'rehearsal');
    const cfg = config('rehearse.yaml', {
      module_path: join(work, 'nowhere/libvendor.so'),
      token_label: 'cfg-rehearsed',
    });
    const r = await runCli([
      'ceremony',
      'rehearse',
      script('rehearse.yaml', NO_HSM),
      '--out',
      dir,
      '--config',
      cfg,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      hsm: { tokenLabel: string; modulePath: string };
    };
    expect(state.hsm.tokenLabel).toBe('cfg-rehearsed');
    expect(state.hsm.modulePath).not.toContain('nowhere');
  }, 120_000);

  it('without a config, a script naming no token is refused before anything is written (exit 2)', async () => {
    const dir = join(work, 'no-config');
    const r = await runCli(['ceremony', 'run', script('bare.yaml', NO_HSM), '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error: The script's hsm\.uri has no module-path=… and no --config FILE names one \(hsm\.pkcs11\)/,
    );
    expect(existsSync(dir)).toBe(false);
  });
});

describe('bad configs stop a ceremony before anything is written', () => {
  it('a config naming a module that does not exist: error 100, exit 3, no run directory', async () => {
    const dir = join(work, 'bad-module');
    const cfg = config('bad-module.yaml', {
      module_path: join(work, 'nowhere/libvendor.so'),
      token_label: 'cfg-bad-module',
    });
    const r = await runCli([
      'ceremony',
      'run',
      script('m.yaml', NO_HSM),
      '--out',
      dir,
      '--config',
      cfg,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error: HSM error 100 .*nowhere\/libvendor\.so could not be found/);
    expect(existsSync(dir)).toBe(false);
  });

  it('a config naming a token that already exists: refused, its keys as before, no run directory', async () => {
    const taken = createToken('cfg-taken');
    const gen = await runCli(
      [
        'keys',
        'generate',
        '--hsm',
        `pkcs11:token=${taken.label}?module-path=${SOFTHSM_MODULE}&pin-source=env:CFG_PIN`,
        '--type',
        'aes-256',
        '--label',
        'precious',
      ],
      { env: { CFG_PIN: taken.userPin } },
    );
    expect(gen.code, gen.stderr).toBe(0);
    const before = await labelsOn(taken.label);
    const dir = join(work, 'taken');
    const cfg = config('taken.yaml', { module_path: SOFTHSM_MODULE, token_label: taken.label });
    const r = await runCli([
      'ceremony',
      'run',
      script('t.yaml', NO_HSM),
      '--out',
      dir,
      '--config',
      cfg,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /A token labelled "cfg-taken" already exists .* this script initialises its token, which would erase its keys\. Name another token; nothing was written\./,
    );
    expect(existsSync(dir)).toBe(false);
    expect(await labelsOn(taken.label)).toEqual(before);
  }, 60_000);

  it('a config token_serial with a script that makes a new token: exit 2, nothing written', async () => {
    const dir = join(work, 'serial');
    const cfg = config('serial.yaml', {
      module_path: SOFTHSM_MODULE,
      token_label: 'cfg-serial',
      token_serial: '0123456789abcdef',
    });
    const r = await runCli([
      'ceremony',
      'run',
      script('s.yaml', NO_HSM),
      '--out',
      dir,
      '--config',
      cfg,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /names token serial 0123456789abcdef, but this script initialises a new token/,
    );
    expect(existsSync(dir)).toBe(false);
  });
});
