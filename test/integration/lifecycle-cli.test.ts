// keys rotate | versions | due | disable | schedule-destroy | destroy, encrypt and decrypt as a
// user runs them, on a SoftHSM token, with the test-only clock OLOCUS_TEST_NOW. Every bad input
// of issue 12 is fed here: the sentence, the exit code, and the token holding exactly what it held.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSecret, toShareText } from '../../src/main/ceremony/quorum/index';
import { RUN_FORMAT, saveState } from '../../src/main/ceremony/run/state';
import { runCli } from '../helpers/cli';
import { keysGenerate, tokenForCli } from '../helpers/cli-keys';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const work = mkdtempSync(join(tmpdir(), 'olocus-lifecycle-cli-'));
const { tokenUri, keyUri, pinFile, token } = tokenForCli('lifecycle-cli', '975310', work);
const inventory = join(work, 'inventory.json');
const ledger = join(work, 'keys.jsonl');
const anyKey = (object: string) =>
  `pkcs11:token=${token.label};object=${object}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;

const now = '2027-03-01T09:00:00.000Z';
const cli = (args: string[], at = now) => runCli(args, { env: { OLOCUS_TEST_NOW: at } });
const inv = ['--inventory', inventory];

/** Every object on the token: class, label, id, sign/decrypt flags. */
async function tokenHolds(): Promise<string[]> {
  const r = await cli(['keys', 'list', '--hsm', tokenUri, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const keys = (
    JSON.parse(r.stdout) as {
      keys: { class: string; label: string; id: string; usage: Record<string, boolean> }[];
    }
  ).keys;
  return keys
    .map(
      (k) =>
        `${k.class}:${k.label}:${k.id}:${k.usage.sign ? 'S' : '-'}${k.usage.decrypt ? 'D' : '-'}`,
    )
    .sort();
}

function config(lines: string[]): string {
  const f = join(work, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    f,
    [
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${SOFTHSM_MODULE}`,
      `    token_label: ${token.label}`,
      `    pin_source: "file:${pinFile}"`,
      ...lines,
    ].join('\n'),
  );
  return f;
}

const officers = ['Alice Archer', 'Bob Baker', 'Carol Chen'];
const runDir = join(work, 'run');
const shareArgs: string[] = [];

beforeAll(async () => {
  for (const [type, label, usage] of [
    ['ec-p256', 'root', null],
    ['aes-256', 'data', null],
    ['rsa-2048', 'wrapkey', 'encrypt'],
    ['ec-p256', 'solo', null],
  ] as const) {
    const r = await cli([
      ...keysGenerate(tokenUri, type, label),
      ...(usage ? ['--usage', usage] : []),
    ]);
    expect(r.code, r.stderr).toBe(0);
  }
  // The ceremony run that made the token, as far as approvals need it: its 2-of-3 token shares.
  const list = JSON.parse((await cli(['keys', 'list', '--hsm', tokenUri, '--json'])).stdout) as {
    token: { label: string; serial: string; manufacturer: string; model: string };
  };
  const split = await splitSecret(new Uint8Array(32).fill(3), {
    ceremonyId: 'lifecycle-cli-run',
    secretId: 'token-pins',
    threshold: 2,
    custodians: officers,
  });
  await saveState(runDir, {
    format: RUN_FORMAT,
    mode: 'run',
    ceremonyId: 'lifecycle-cli-run',
    scriptSha256: '0'.repeat(64),
    status: 'finished',
    startedAt: now,
    token: {
      label: list.token.label,
      serial: list.token.serial,
      manufacturer: list.token.manufacturer,
      model: list.token.model,
    },
    secrets: {
      'token-pins': {
        threshold: 2,
        total: 3,
        custodians: officers,
        commitments: split.commitments,
        secretCommitment: split.secretCommitment,
      },
    },
    keys: {},
    steps: [],
  });
  split.shares.slice(0, 2).forEach((s, i) => {
    const f = join(work, `share-${i}.txt`);
    writeFileSync(f, toShareText(s), { mode: 0o600 });
    shareArgs.push('--share', `${s.custodian}=${f}`);
  });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('rotation and notices', () => {
  it('keys rotate makes root@v2; keys versions shows both; keys due is quiet, then exits 1 when overdue', async () => {
    const r = await cli([
      'keys',
      'rotate',
      '--key',
      keyUri('root'),
      ...inv,
      '--ledger',
      ledger,
      '--reason',
      'annual',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      primary: { label: string; version: number };
      ledger: { appended: number };
    };
    expect(doc.primary).toMatchObject({ label: 'root@v2', version: 2 });
    expect(doc.ledger.appended).toBe(1);
    const v = await cli(['keys', 'versions', '--key', anyKey('root@latest'), ...inv]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^1 +root +enabled +/m);
    expect(v.stdout).toMatch(/^2 +root@v2 +primary +2027-03-01 +2027-03-01 +- +2027-06-06 /m);
    const quiet = await cli(['keys', 'due', '--hsm', tokenUri, ...inv, '--within', '1d']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('Nothing due in 1 key family (as of 2027-03-01T09:00:00.000Z).\n');
    const soon = await cli(['keys', 'due', '--hsm', tokenUri, ...inv, '--within', '8d']);
    expect(soon.code).toBe(0);
    expect(soon.stdout).toContain(
      'due      root v1: the end of its overlap (disable it) is due 2027-03-08.',
    );
    const late = await cli(['keys', 'due', '--hsm', tokenUri, ...inv], '2027-06-01T00:00:00Z');
    expect(late.code).toBe(1);
    expect(late.stdout).toBe(
      'OVERDUE  root v1: the end of its overlap (disable it) was due 2027-03-08.\n' +
        'OVERDUE  root v2: rotation was due 2027-05-30.\n',
    );
  });

  it('--if-due makes nothing before the date', async () => {
    const before = await tokenHolds();
    const early = await cli(['keys', 'rotate', '--key', anyKey('root@latest'), ...inv, '--if-due']);
    expect(early.code, early.stderr).toBe(0);
    expect(early.stdout).toBe('Not rotated: version 2 is not due for rotation until 2027-05-30.\n');
    expect(await tokenHolds()).toEqual(before);
  });
});

describe('bad input changes nothing', () => {
  it('rotating a version that is not the primary: exit 2, the sentence, the token as it was', async () => {
    const before = await tokenHolds();
    const r = await cli(['keys', 'rotate', '--key', anyKey('root@1'), ...inv, '--ledger', ledger]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: version 1 ("root") of "root" is enabled, not the primary (the primary is version 2, "root@v2"); only the primary is rotated. Address it as root@latest. Nothing was changed.\n',
    );
    expect(await tokenHolds()).toEqual(before);
    expect(readFileSync(ledger, 'utf8')).toContain('"type":"key.rotation_refused"');
  });

  it('a second rotation while one is under way: exit 3, refused, nothing made', async () => {
    const before = await tokenHolds();
    // This test process stands for the rotation under way: it holds the inventory's lock.
    writeFileSync(
      `${inventory}.lock`,
      JSON.stringify({ pid: process.pid, what: 'rotating "root"', since: now }),
    );
    try {
      const r = await cli(['keys', 'rotate', '--key', anyKey('root@latest'), ...inv]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /^error: HSM error 106 \(refused by policy\): Another change is under way on this token's key inventory \(rotating "root", process \d+, since 2027-03-01T09:00:00.000Z\); rotating "root" was refused and nothing was made\. Try again when it has finished\./,
      );
    } finally {
      rmSync(`${inventory}.lock`);
    }
    expect(await tokenHolds()).toEqual(before);
  });

  it('max_versions 0, for every key or one family: exit 2 naming the line; the token as it was', async () => {
    const before = await tokenHolds();
    for (const lines of [
      ['  keys:', '    max_versions: 0'],
      ['  keys:', '    families:', '      root:', '        max_versions: 0'],
    ]) {
      const r = await cli([
        'keys',
        'rotate',
        '--config',
        config(lines),
        '--key',
        'root@latest',
        ...inv,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^error: \/.*config-\w+\.yaml:\d+:\d+: hsm\.keys\.(families\.root\.)?max_versions must be (between 1 and 1000 \(got 0\)|at least 1)/,
      );
    }
    expect(await tokenHolds()).toEqual(before);
  });

  it('an overlap as long as the interval or longer: exit 2 with both durations; the token as it was', async () => {
    const before = await tokenHolds();
    const r = await cli([
      'keys',
      'rotate',
      '--config',
      config([
        '  keys:',
        '    rotation_interval: 30d',
        '    families:',
        '      root:',
        '        overlap_period: 45d',
      ]),
      '--key',
      'root@latest',
      ...inv,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'hsm.keys.families.root.overlap_period (45d) must be shorter than hsm.keys.families.root.rotation_interval (30d)',
    );
    expect(await tokenHolds()).toEqual(before);
  });

  it('destroying the only enabled version is refused before any officer is asked for a card', async () => {
    const before = await tokenHolds();
    const r = await cli([
      'keys',
      'schedule-destroy',
      '--key',
      anyKey('solo'),
      '--run',
      runDir,
      ...shareArgs,
      ...inv,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: version 1 ("solo") is the only enabled version of "solo": destroying it would leave nothing to decrypt or verify with. Nothing was changed.\n',
    );
    expect(await tokenHolds()).toEqual(before);
  });
});

describe('encrypt and decrypt across versions', () => {
  const file = (n: string) => join(work, n);

  it('AES-GCM: v1 ciphertext decrypts after rotation; destroyed under quorum, it is refused (exit 2), nothing changes', async () => {
    writeFileSync(file('plain.txt'), 'the v1 payload');
    const e1 = await cli([
      'encrypt',
      '--key',
      anyKey('data'),
      '--in',
      file('plain.txt'),
      '--out',
      file('c1.json'),
      ...inv,
    ]);
    expect(e1.code, e1.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file('c1.json'), 'utf8'))).toMatchObject({
      family: 'data',
      version: 1,
      label: 'data',
      alg: 'aes-gcm',
    });
    expect((await cli(['keys', 'rotate', '--key', anyKey('data'), ...inv])).code).toBe(0);
    const notPrimary = await cli([
      'encrypt',
      '--key',
      anyKey('data@1'),
      '--in',
      file('plain.txt'),
      '--out',
      file('cx.json'),
      ...inv,
    ]);
    expect(notPrimary.code).toBe(2);
    expect(notPrimary.stderr).toMatch(/only the primary encrypts \(data@latest is version 2\)/);
    const d1 = await cli([
      'decrypt',
      '--key',
      tokenUri,
      '--in',
      file('c1.json'),
      '--out',
      file('p1.txt'),
      ...inv,
    ]);
    expect(d1.code, d1.stderr).toBe(0);
    expect(readFileSync(file('p1.txt'), 'utf8')).toBe('the v1 payload');

    const s = await cli([
      'keys',
      'schedule-destroy',
      '--key',
      anyKey('data@1'),
      '--run',
      runDir,
      ...shareArgs,
      '--delay',
      '7d',
      ...inv,
      '--ledger',
      ledger,
    ]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/approved by Alice Archer, Bob Baker \(2 of 3\)/);
    const later = '2027-03-09T00:00:00Z';
    const d = await cli(
      ['keys', 'destroy', '--key', anyKey('data@1'), ...inv, '--ledger', ledger],
      later,
    );
    expect(d.code, d.stderr).toBe(0);

    const before = await tokenHolds();
    expect(before.some((o) => o.includes(':data:'))).toBe(false);
    const refused = await cli(
      ['decrypt', '--key', tokenUri, '--in', file('c1.json'), '--out', file('p1b.txt'), ...inv],
      later,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'error: The ciphertext was made with version 1 ("data") of "data", which is destroyed since 2027-03-09; it cannot decrypt. Data encrypted only under a destroyed version cannot be recovered.\n',
    );
    expect(await tokenHolds()).toEqual(before);
    const audit = await cli(['verify-audit', ledger]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  });

  it('RSA-OAEP with a chosen hash names the version and decrypts (SoftHSM offers SHA-1 only)', async () => {
    writeFileSync(file('k.bin'), Buffer.alloc(32, 7));
    const e = await cli([
      'encrypt',
      '--key',
      anyKey('wrapkey'),
      '--alg',
      'rsa-oaep-sha1',
      '--in',
      file('k.bin'),
      '--out',
      file('ck.json'),
      ...inv,
    ]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file('ck.json'), 'utf8'))).toMatchObject({
      family: 'wrapkey',
      version: 1,
      alg: 'rsa-oaep-sha1',
    });
    const d = await cli([
      'decrypt',
      '--key',
      anyKey('wrapkey'),
      '--in',
      file('ck.json'),
      '--out',
      file('k2.bin'),
      ...inv,
    ]);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(file('k2.bin'))).toEqual(Buffer.alloc(32, 7));
    const bad = await cli([
      'encrypt',
      '--key',
      anyKey('wrapkey'),
      '--alg',
      'rsa-oaep-md5',
      '--in',
      file('k.bin'),
      '--out',
      file('ck2.json'),
      ...inv,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: Unknown --alg "rsa-oaep-md5"; choose one of aes-gcm, rsa-oaep-sha256, rsa-oaep-sha1.\n',
    );
  });
});
