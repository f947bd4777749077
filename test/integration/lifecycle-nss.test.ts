// The key lifecycle of docs/lifecycle.md on NSS softoken, as a user runs it (the CLI, the
// test-only clock OLOCUS_TEST_NOW), so nothing learnt on SoftHSM is taken for granted: rotate,
// versions (NSS reads back the dates of private and secret keys, SoftHSM cannot), due, disable
// (NSS clears the usage flags and then refuses the key with CKR_KEY_TYPE_INCONSISTENT),
// schedule-destroy under quorum and destroy, AES-GCM (NSS checks CK_GCM_PARAMS.ulIvBits) and
// RSA-OAEP with SHA-256; and a key another tool made with CKA_MODIFIABLE false, whose attributes
// NSS refuses to change (CKR_ATTRIBUTE_READ_ONLY): one sentence says so, the state is recorded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSecret, toShareText } from '../../src/main/ceremony/quorum/index';
import { RUN_FORMAT, saveState } from '../../src/main/ceremony/run/state';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { ROOT, runCli } from '../helpers/cli';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';

const work = mkdtempSync(join(tmpdir(), 'olocus-lifecycle-nss-'));
const pinFile = join(work, 'nss.pin');
const inventory = join(work, 'inventory.json');
const ledger = join(work, 'keys.jsonl');
const file = (n: string) => join(work, n);
let base = '';
const tokenUri = () => base;
const key = (object: string) => base.replace('?', `;object=${object}?`);

const now = '2027-03-01T09:00:00.000Z';
const cli = (args: string[], at = now) =>
  runCli(args, { env: { OLOCUS_TEST_NOW: at, OLOCUS_WORKSPACE: join(work, 'workspace') } });
const inv = ['--inventory', inventory];
const rec = [...inv, '--ledger', ledger];
const shareArgs: string[] = [];
const runDir = join(work, 'run');

/** Every key object on the token: class, label, sign/decrypt flags. */
async function tokenHolds(): Promise<string[]> {
  const r = await cli(['keys', 'list', '--hsm', tokenUri(), '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (
    JSON.parse(r.stdout) as {
      keys: { class: string; label: string; usage: Record<string, boolean> }[];
    }
  ).keys
    .map((k) => `${k.class}:${k.label}:${k.usage.sign ? 'S' : '-'}${k.usage.decrypt ? 'D' : '-'}`)
    .sort();
}

interface View {
  versions: {
    version: number;
    state: string;
    metadata: Record<string, unknown>;
    token: { start: string | null; end: string | null } | null;
  }[];
}
async function versions(object: string, at = now): Promise<View['versions']> {
  const r = await cli(['keys', 'versions', '--key', key(object), ...inv, '--json'], at);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as View).versions;
}
const ledgerEvents = () =>
  readFileSync(ledger, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });

/**
 * Another PKCS#11 client (a separate process, as pkcs11-tool would be) makes an EC pair with
 * CKA_MODIFIABLE false; NSS then keeps every attribute of it read-only.
 */
function makeFrozenKey(initArgs: string): void {
  const script = `
const P = require('pkcs11js'); const p = new P.PKCS11(); p.load(${JSON.stringify(NSS_MODULE)});
p.C_Initialize({ libraryParameters: ${JSON.stringify(initArgs)} });
const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === 'NSS Certificate DB');
const s = p.C_OpenSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION);
p.C_Login(s, P.CKU_USER, ${JSON.stringify(NSS_USER_PIN)});
const id = require('node:crypto').randomBytes(16);
const common = [{ type: P.CKA_TOKEN, value: true }, { type: P.CKA_LABEL, value: 'frozen' }, { type: P.CKA_ID, value: id }, { type: P.CKA_MODIFIABLE, value: false }];
p.C_GenerateKeyPair(s, { mechanism: P.CKM_EC_KEY_PAIR_GEN },
  [...common, { type: P.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') }, { type: P.CKA_VERIFY, value: true }],
  [...common, { type: P.CKA_PRIVATE, value: true }, { type: P.CKA_SENSITIVE, value: true }, { type: P.CKA_SIGN, value: true }]);
p.C_Logout(s); p.C_CloseSession(s); p.C_Finalize();`;
  execFileSync(process.execPath, ['-e', script], { cwd: ROOT });
}

beforeAll(async () => {
  writeFileSync(pinFile, NSS_USER_PIN, { mode: 0o600 });
  // The database and its user PIN are made here, then closed: every command opens it by URI.
  const nss = await openNss();
  await nss.provider.close();
  base = `${nss.uri}&pin-source=file:${pinFile}`;
  for (const [type, label, usage] of [
    ['ec-p256', 'root', null],
    ['aes-256', 'data', null],
    ['rsa-2048', 'wrapkey', 'encrypt'],
  ] as const) {
    const r = await cli([
      'keys',
      'generate',
      '--hsm',
      tokenUri(),
      '--type',
      type,
      '--label',
      label,
      ...(usage ? ['--usage', usage] : []),
    ]);
    expect(r.code, r.stderr).toBe(0);
  }
  makeFrozenKey(parsePkcs11Uri(nss.uri).initArgs!);
  // The ceremony run whose 2-of-3 token shares approve destruction on this token.
  const list = JSON.parse((await cli(['keys', 'list', '--hsm', tokenUri(), '--json'])).stdout) as {
    token: { label: string; serial: string; manufacturer: string; model: string };
  };
  const officers = ['Alice Archer', 'Bob Baker', 'Carol Chen'];
  const split = await splitSecret(new Uint8Array(32).fill(9), {
    ceremonyId: 'lifecycle-nss-run',
    secretId: 'token-pins',
    threshold: 2,
    custodians: officers,
  });
  await saveState(runDir, {
    format: RUN_FORMAT,
    mode: 'run',
    ceremonyId: 'lifecycle-nss-run',
    scriptSha256: '0'.repeat(64),
    status: 'finished',
    startedAt: now,
    token: list.token,
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
    const f = file(`share-${i}.txt`);
    writeFileSync(f, toShareText(s), { mode: 0o600 });
    shareArgs.push('--share', `${s.custodian}=${f}`);
  });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!NSS_MODULE)('a key family on NSS softoken', { timeout: 180_000 }, () => {
  it('keys rotate adopts root as v1 and makes root@v2; keys versions reads the dates back from NSS', async () => {
    const r = await cli(['keys', 'rotate', '--key', key('root'), ...rec, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
    expect((JSON.parse(r.stdout) as { primary: { label: string } }).primary.label).toBe('root@v2');
    const v = await versions('root@latest');
    expect(v.map((x) => [x.version, x.state])).toEqual([
      [1, 'enabled'],
      [2, 'primary'],
    ]);
    // 90d interval + 7d overlap after 2027-03-01; v1 ends with the overlap.
    expect(v[1]!.token).toEqual({ start: '2027-03-01', end: '2027-06-06' });
    expect(v[0]!.token?.end).toBe('2027-03-08');
  });

  it('keys due on the fixed clock: quiet today, exit 1 once the overlap and the interval have passed', async () => {
    const quiet = await cli(['keys', 'due', '--hsm', tokenUri(), ...inv, '--within', '1d']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('Nothing due in 1 key family (as of 2027-03-01T09:00:00.000Z).\n');
    const late = await cli(['keys', 'due', '--hsm', tokenUri(), ...inv], '2027-06-01T00:00:00Z');
    expect(late.code).toBe(1);
    expect(late.stdout).toBe(
      'OVERDUE  root v1: the end of its overlap (disable it) was due 2027-03-08.\n' +
        'OVERDUE  root v2: rotation was due 2027-05-30.\n',
    );
  });

  it('keys disable root@1: NSS takes the end date and clears CKA_SIGN; the key then refuses to sign on the token itself', async () => {
    const at = '2027-03-10T09:00:00.000Z';
    const d = await cli(['keys', 'disable', '--key', key('root@1'), ...rec], at);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('Disabled version 1 ("root") of "root".');
    expect(d.stderr).not.toMatch(/warning/);
    expect(await tokenHolds()).toContain('private:root:--');
    const v = await versions('root', at);
    expect(v[0]).toMatchObject({ state: 'disabled', token: { end: '2027-03-10' } });
    expect(v[0]!.metadata.token_refused).toBeUndefined();
    expect(ledgerEvents().at(-1)).toMatchObject({
      type: 'key.version_disabled',
      data: { version: 1, label: 'root' },
    });
    // Outside the family (no inventory knows it), NSS itself refuses: with
    // CKR_KEY_TYPE_INCONSISTENT, where SoftHSM says CKR_KEY_FUNCTION_NOT_PERMITTED.
    writeFileSync(file('statement.txt'), 'statement');
    const s = await cli([
      'sign',
      '--key',
      key('root').replace('?', ';type=private?'),
      '--in',
      file('statement.txt'),
      '--out',
      file('never.sig'),
    ]);
    expect(s.code).toBe(3);
    expect(s.stderr).toMatch(/CKR_KEY_TYPE_INCONSISTENT/);
    expect(s.stderr).toMatch(/its usage flag for the operation \(CKA_SIGN, CKA_DECRYPT…\) is off/);
  });

  it('schedule-destroy under a 2-of-3 quorum, then keys destroy after the delay removes both halves', async () => {
    const at = '2027-03-10T09:00:00.000Z';
    const s = await cli(
      [
        'keys',
        'schedule-destroy',
        '--key',
        key('root@1'),
        '--run',
        runDir,
        ...shareArgs,
        '--delay',
        '7d',
        ...rec,
      ],
      at,
    );
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/approved by Alice Archer, Bob Baker \(2 of 3\)/);
    const early = await cli(['keys', 'destroy', '--key', key('root@1'), ...rec], at);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/may be destroyed from 2027-03-17T09:00:00.000Z, not before/);
    const d = await cli(
      ['keys', 'destroy', '--key', key('root@1'), ...rec],
      '2027-03-18T00:00:00.000Z',
    );
    expect(d.code, d.stderr).toBe(0);
    expect((await tokenHolds()).filter((o) => o.split(':')[1] === 'root')).toEqual([]);
    expect(
      ledgerEvents()
        .slice(-2)
        .map((e) => e.type),
    ).toEqual(['key.destroy_scheduled', 'key.version_destroyed']);
    const audit = await cli(['verify-audit', ledger]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  });
});

describe.skipIf(!NSS_MODULE)('encrypt and decrypt on NSS softoken', { timeout: 180_000 }, () => {
  it('AES-GCM: v1 ciphertext decrypts after rotation, and NSS reads back the secret key dates', async () => {
    writeFileSync(file('plain.txt'), 'the v1 payload');
    const e1 = await cli([
      'encrypt',
      '--key',
      key('data'),
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
      alg: 'aes-gcm',
    });
    expect((await cli(['keys', 'rotate', '--key', key('data'), ...inv])).code).toBe(0);
    const d1 = await cli([
      'decrypt',
      '--key',
      tokenUri(),
      '--in',
      file('c1.json'),
      '--out',
      file('p1.txt'),
      ...inv,
    ]);
    expect(d1.code, d1.stderr).toBe(0);
    expect(readFileSync(file('p1.txt'), 'utf8')).toBe('the v1 payload');
    // SoftHSM cannot read CKA_START_DATE of a secret (private) object back; NSS can.
    expect((await versions('data@latest'))[1]!.token).toEqual({
      start: '2027-03-01',
      end: '2027-06-06',
    });
  });

  it('RSA-OAEP: NSS takes SHA-256 (the default; SoftHSM falls back to SHA-1) and decrypts', async () => {
    writeFileSync(file('k.bin'), Buffer.alloc(32, 7));
    const e = await cli([
      'encrypt',
      '--key',
      key('wrapkey'),
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
      alg: 'rsa-oaep-sha256',
    });
    const d = await cli([
      'decrypt',
      '--key',
      key('wrapkey'),
      '--in',
      file('ck.json'),
      '--out',
      file('k2.bin'),
      ...inv,
    ]);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(file('k2.bin'))).toEqual(Buffer.alloc(32, 7));
  });
});

describe.skipIf(!NSS_MODULE)(
  'a key NSS keeps read-only (CKA_MODIFIABLE false)',
  { timeout: 180_000 },
  () => {
    const refusedSentence = (state: string) =>
      `The token would not change CKA_END_DATE, CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP, CKA_ENCRYPT, CKA_WRAP (CKR_ATTRIBUTE_READ_ONLY) of version 1 ("frozen"), so it is ${state} in the inventory and the ledger but a PKCS#11 tool that reads only the token can still use it.`;

    it('rotation says in one sentence that the old version keeps its end date, and records it', async () => {
      const r = await cli(['keys', 'rotate', '--key', key('frozen'), ...rec, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        'warning: The token would not change CKA_END_DATE (CKR_ATTRIBUTE_READ_ONLY) of version 1 ("frozen"), so it is enabled in the inventory and the ledger but a PKCS#11 tool that reads only the token can still use it.\n',
      );
      const rotated = ledgerEvents().at(-1)!;
      expect(rotated.type).toBe('key.rotated');
      expect(rotated.data.previous).toMatchObject({
        label: 'frozen',
        token_refused: [
          'private CKA_END_DATE: CKR_ATTRIBUTE_READ_ONLY',
          'public CKA_END_DATE: CKR_ATTRIBUTE_READ_ONLY',
        ],
      });
      const v = await versions('frozen');
      expect(v.map((x) => x.state)).toEqual(['enabled', 'primary']);
      expect(v[0]!.token?.end).toBeNull();
    });

    it('disable: exit 0 with the sentence on stderr; disabled in the inventory and the ledger, the token unchanged', async () => {
      const before = await tokenHolds();
      const d = await cli(['keys', 'disable', '--key', key('frozen@1'), ...rec, '--json']);
      expect(d.code, d.stderr).toBe(0);
      expect(d.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
        `warning: ${refusedSentence('disabled')}`,
      ]);
      expect((JSON.parse(d.stdout) as { tokenNotice: string }).tokenNotice).toBe(
        refusedSentence('disabled'),
      );
      expect(await tokenHolds()).toEqual(before);
      expect(before).toContain('private:frozen:S-');
      const v = await versions('frozen');
      expect(v[0]!.state).toBe('disabled');
      expect(v[0]!.metadata.token_refused).toHaveLength(7);
      const event = ledgerEvents().at(-1)!;
      expect(event.type).toBe('key.version_disabled');
      expect(event.data.token_refused).toEqual(v[0]!.metadata.token_refused);
    });

    it('a read-only object is still destroyed under quorum (NSS lets C_DestroyObject remove it)', async () => {
      const at = '2027-03-02T09:00:00.000Z';
      const s = await cli(
        [
          'keys',
          'schedule-destroy',
          '--key',
          key('frozen@1'),
          '--run',
          runDir,
          ...shareArgs,
          '--delay',
          '1d',
          ...rec,
        ],
        at,
      );
      expect(s.code, s.stderr).toBe(0);
      expect(s.stderr).not.toMatch(/warning/);
      const d = await cli(
        ['keys', 'destroy', '--key', key('frozen@1'), ...rec],
        '2027-03-04T00:00:00Z',
      );
      expect(d.code, d.stderr).toBe(0);
      expect((await tokenHolds()).filter((o) => o.split(':')[1] === 'frozen')).toEqual([]);
      expect(ledgerEvents().at(-1)).toMatchObject({
        type: 'key.version_destroyed',
        data: { label: 'frozen', objects: 2 },
      });
    });
  },
);
