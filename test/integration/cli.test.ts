// The olocus-ceremony command run as a user runs it: a subprocess, PINs from a file or the
// environment, a fresh SoftHSM token. Exit codes and JSON shapes are the CLI.md contract.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listRegisteredModules } from '../../src/main/hsm/p11kit';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

// Tokens first: SoftHSM sees only the tokens that exist when a process initialises it, and each
// CLI process inherits SOFTHSM2_CONF from this one.
const main = createToken('cli-main', '246810');
const other = createToken('cli-errors', '135790');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'olocus-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PIN_ENV = 'OLOCUS_CLI_TEST_PIN';
const pinFile = join(work, 'user.pin');
writeFileSync(pinFile, `${main.userPin}\n`, { mode: 0o600 });
const wrongPinFile = join(work, 'wrong.pin');
writeFileSync(wrongPinFile, '000000\n', { mode: 0o600 });

const mod = `module-path=${SOFTHSM_MODULE}`;
const withFilePin = `pkcs11:token=${main.label}?${mod}&pin-source=file:${pinFile}`;
const withEnvPin = `pkcs11:token=${main.label}?${mod}&pin-source=env:${PIN_ENV}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, [PIN_ENV]: main.userPin },
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

/** --json: stdout must be exactly one JSON document. */
function json<T = Record<string, unknown>>(r: Run): T {
  return JSON.parse(r.stdout) as T;
}

/** Success: exit 0, and stderr shown in the failure message when not. */
function ok(r: Run, stderr: string | RegExp = ''): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({
    code: 0,
    stderr: typeof stderr === 'string' ? stderr : expect.stringMatching(stderr),
  });
}

/** Errors are one line on stderr without a stack trace. */
function oneSentence(r: Run): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('tokens', () => {
  it('lists the token as an aligned table and as JSON', async () => {
    const [human, machine] = await Promise.all([
      cli('tokens', '--hsm', `pkcs11:?${mod}`),
      cli('tokens', '--hsm', `pkcs11:token=${main.label}?${mod}`, '--json'),
    ]);
    ok(human);
    const lines = human.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('SLOT'))!;
    expect(header).toMatch(/SLOT +LABEL +MANUFACTURER +MODEL +SERIAL +FIRMWARE +FLAGS/);
    const row = lines.find((l) => l.includes(main.label))!;
    // Aligned: every column starts where its header does.
    expect(row.indexOf('SoftHSM project')).toBe(header.indexOf('MANUFACTURER'));
    expect(row).toContain('token_initialized');

    ok(machine);
    const doc = json<{ modules: { module: { vendor: string }; tokens: { label: string }[] }[] }>(
      machine,
    );
    expect(doc.modules).toHaveLength(1);
    expect(doc.modules[0]!.module.vendor).toBe('softhsm');
    expect(doc.modules[0]!.tokens.map((t) => t.label)).toEqual([main.label]);
  });
});

describe('key lifecycle', () => {
  let ecUri = '';
  const data = join(work, 'statement.txt');
  const tampered = join(work, 'statement-tampered.txt');
  const sig = join(work, 'statement.sig');
  writeFileSync(data, 'The root key of 2026 was generated in this ceremony.\n');
  writeFileSync(tampered, 'The root key of 2027 was generated in this ceremony.\n');

  it('generates an EC key (PIN from a file) and an AES key (PIN from the environment)', async () => {
    const ec = await cli(
      'keys',
      'generate',
      '--hsm',
      withFilePin,
      '--type',
      'ec-p256',
      '--label',
      'root-2026',
      '--json',
    );
    ok(ec);
    const g = json<{ uri: string; fingerprint: { kind: string; value: string } }>(ec);
    expect(g.fingerprint.kind).toBe('spki-sha256');
    expect(g.fingerprint.value).toMatch(/^[0-9a-f]{64}$/);
    expect(g.uri).toMatch(/^pkcs11:token=cli-main;object=root-2026;type=private;id=/);
    expect(g.uri).toContain(`pin-source=file:${pinFile}`);
    ecUri = g.uri;

    const aes = await cli(
      'keys',
      'generate',
      '--hsm',
      withEnvPin,
      '--type',
      'aes-256',
      '--label',
      'kek-2026',
    );
    ok(aes);
    expect(aes.stdout).toMatch(/^Generated aes-256 key "kek-2026"\./);
    expect(aes.stdout).toMatch(/^URI +pkcs11:token=cli-main;object=kek-2026;type=secret-key;/m);
    expect(aes.stdout).toMatch(/^KCV +[0-9a-f]{6}$/m);
  });

  it('lists both keys, with fingerprints and provenance', async () => {
    const [human, machine] = await Promise.all([
      cli('keys', 'list', '--hsm', withEnvPin),
      cli('keys', 'list', '--hsm', withFilePin, '--json'),
    ]);
    ok(human);
    expect(human.stdout).toMatch(/LABEL +CLASS +TYPE +ID +SPKI SHA-256 \/ KCV +PROVENANCE/);
    expect(human.stdout).toMatch(
      /root-2026 +private +ec-p256 +[0-9a-f]{12}… +[0-9a-f]{16}… +local sensitive always-sensitive never-extractable/,
    );
    expect(human.stdout).toMatch(/kek-2026 +secret +aes-256 +[0-9a-f]{12}… +KCV [0-9a-f]{6} /);

    const doc = json<{ loggedIn: boolean; keys: { label: string; class: string }[] }>(machine);
    expect(doc.loggedIn).toBe(true);
    expect(doc.keys.map((k) => `${k.label}/${k.class}`)).toEqual([
      'kek-2026/secret',
      'root-2026/private',
      'root-2026/public',
    ]);
  });

  it('refuses to replace a key: an existing label is a policy error (106, exit 3)', async () => {
    const r = await cli(
      'keys',
      'generate',
      '--hsm',
      withFilePin,
      '--type',
      'ec-p384',
      '--label',
      'root-2026',
    );
    expect(r.code).toBe(3);
    expect(oneSentence(r)).toMatch(/^error: HSM error 106 \(refused by policy\): .*"root-2026"/);
  });

  it('signs, verifies, rejects a tampered file and never overwrites a signature', async () => {
    const signed = await cli('sign', '--key', ecUri, '--in', data, '--out', sig);
    ok(signed);
    expect(signed.stdout).toMatch(/^Algorithm +ecdsa-sha256 via CKM_ECDSA/m);
    expect(readFileSync(sig)).toHaveLength(64);

    const [good, bad, again] = await Promise.all([
      cli('verify', '--key', ecUri, '--in', data, '--sig', sig, '--json'),
      cli('verify', '--key', ecUri, '--in', tampered, '--sig', sig),
      cli('sign', '--key', ecUri, '--in', tampered, '--out', sig),
    ]);
    ok(good);
    expect(json(good)).toMatchObject({ valid: true });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^Signature is NOT valid/);
    expect(again.code).toBe(2);
    expect(oneSentence(again)).toContain(`${sig} already exists`);
    // The signature on disk is still the one over the original file.
    expect((await cli('verify', '--key', ecUri, '--in', data, '--sig', sig)).code).toBe(0);
  });
});

describe.concurrent('HSM errors (exit 3, code and CKR named)', () => {
  it('a wrong PIN is 102 CKR_PIN_INCORRECT', async () => {
    const r = await cli(
      'keys',
      'list',
      '--hsm',
      `pkcs11:token=${other.label}?${mod}&pin-source=file:${wrongPinFile}`,
    );
    expect(r.code).toBe(3);
    expect(oneSentence(r)).toMatch(/HSM error 102 \(authentication failed, CKR_PIN_INCORRECT\)/);
    expect(r.stderr).not.toContain('000000');
  });

  it('a module that is not there is 100, also as a JSON error document', async () => {
    const r = await cli(
      'keys',
      'list',
      '--hsm',
      'pkcs11:token=x?module-path=/nonexistent/lib.so',
      '--json',
    );
    expect(r.code).toBe(3);
    expect(oneSentence(r)).toMatch(
      /^error: HSM error 100 \(connection failed\): .*\/nonexistent\/lib\.so/,
    );
    expect(json(r)).toMatchObject({ error: { exitCode: 3, code: 100 } });
  });

  it('an unknown token is 103 and the message lists the tokens present', async () => {
    const r = await cli('keys', 'list', '--hsm', `pkcs11:token=no-such-token?${mod}`);
    expect(r.code).toBe(3);
    expect(oneSentence(r)).toMatch(/HSM error 103 \(token not found\): .*"cli-main"/);
  });
});

describe.concurrent('usage errors (exit 2, one sentence)', () => {
  it('an unknown flag is named', async () => {
    const r = await cli('tokens', '--frobnicate', '--hsm', `pkcs11:?${mod}`);
    expect(r.code).toBe(2);
    expect(oneSentence(r)).toBe(
      'error: Unknown flag --frobnicate for "tokens"; see olocus-ceremony tokens --help.',
    );
  });

  it('there is no --pin flag, and its value is never repeated', async () => {
    const r = await cli(
      'keys',
      'list',
      '--hsm',
      `pkcs11:token=${main.label}?${mod}`,
      '--pin=246810',
    );
    expect(r.code).toBe(2);
    expect(oneSentence(r)).toContain('PINs are never taken on the command line');
    expect(r.stderr).not.toContain('246810');
  });

  it('a URI with pin-value is refused', async () => {
    const r = await cli(
      'keys',
      'list',
      '--hsm',
      `pkcs11:token=${main.label}?${mod}&pin-value=246810`,
    );
    expect(r.code).toBe(2);
    expect(oneSentence(r)).toContain('PINs are never taken on the command line');
    expect(r.stderr).not.toContain('246810');
  });

  it('without a pin-source or a terminal, says how to give the PIN', async () => {
    const r = await cli(
      'keys',
      'generate',
      '--hsm',
      `pkcs11:token=${main.label}?${mod}`,
      '--type',
      'aes-128',
      '--label',
      'x',
    );
    expect(r.code).toBe(2);
    expect(oneSentence(r)).toContain(
      'No PIN source: add pin-source=file:PATH or pin-source=env:NAME',
    );
  });

  it('prints help per command on stdout', async () => {
    const r = await cli('keys', 'generate', '--help');
    ok(r);
    expect(r.stdout).toMatch(/^Usage: olocus-ceremony keys generate --hsm URI --type T --label L/);
    expect(r.stdout).toContain('ec-secp256k1');
    expect(r.stdout).not.toMatch(/--pin\b/);
  });
});

describe.concurrent('config check', () => {
  const fixture = (name: string) => join('test/fixtures/config', name);

  it('prints the effective configuration of a valid file', async () => {
    const [human, machine] = await Promise.all([
      cli('config', 'check', fixture('softhsm.yaml')),
      cli('config', 'check', fixture('softhsm.yaml'), '--json'),
    ]);
    ok(human, /softhsm\.yaml is valid/);
    expect(human.stdout).toMatch(/^# Effective HSM configuration/);
    expect(human.stdout).toContain('token_label: olocus-rehearsal');
    ok(machine, /softhsm\.yaml is valid/);
    expect(json(machine)).toMatchObject({
      valid: true,
      config: { hsm: { provider: 'softhsm', pkcs11: { token_label: 'olocus-rehearsal' } } },
    });
  });

  it('names file, line and column of a problem', async () => {
    const r = await cli('config', 'check', fixture('bad-unknown-key.yaml'));
    expect(r.code).toBe(2);
    expect(oneSentence(r)).toMatch(
      /^error: test\/fixtures\/config\/bad-unknown-key\.yaml:\d+:\d+: unknown key "hots"/,
    );
  });
});

describe.concurrent('ceremony validate', () => {
  it('prints the plan of the bundled script and its SHA-256', async () => {
    const [human, machine] = await Promise.all([
      cli('ceremony', 'validate', 'resources/ceremonies/root-ca.yaml'),
      cli('ceremony', 'validate', 'resources/ceremonies/root-ca.yaml', '--json'),
    ]);
    ok(human, /root-ca\.yaml is valid: 5 steps/);
    expect(human.stdout).toContain('2. Generate the root CA key [key.generate; quorum, witness]');
    expect(human.stdout).toMatch(/Script SHA-256: [0-9a-f]{64}/);
    expect(json(machine)).toMatchObject({ valid: true, plan: { quorum: '3 of 5 officers' } });
  });

  it('refuses M > N with the script line and column, exit 2', async () => {
    const bad = join(work, 'm-gt-n.yaml');
    writeFileSync(
      bad,
      readFileSync('resources/ceremonies/root-ca.yaml', 'utf8').replace(
        'threshold: 3',
        'threshold: 7',
      ),
    );
    const r = await cli('ceremony', 'validate', bad);
    expect(r.code).toBe(2);
    expect(oneSentence(r)).toMatch(
      /^error: .*m-gt-n\.yaml:\d+:\d+: quorum\.threshold: M \(7\) is larger than N \(5 officers\)/,
    );
  });
});

// Without module-path the CLI searches p11-kit's registrations, where this machine lists SoftHSM.
const registered = (await listRegisteredModules()).some(
  (m) =>
    existsSync(m.path) &&
    existsSync(SOFTHSM_MODULE) &&
    realpathSync(m.path) === realpathSync(SOFTHSM_MODULE),
);

describe('module discovery', () => {
  it.skipIf(!registered)('finds the token among the modules registered with p11-kit', async () => {
    const r = await cli(
      'keys',
      'list',
      '--hsm',
      `pkcs11:token=${main.label}?pin-source=env:${PIN_ENV}`,
      '--json',
    );
    ok(r);
    const doc = json<{ token: { label: string }; keys: { label: string; uri: string }[] }>(r);
    expect(doc.token.label).toBe(main.label);
  });
});
