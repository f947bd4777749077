// Azure BYOK end to end through the command line: a SoftHSM source key, the real Azure SDK and
// identity libraries, and the loopback fake vault, which really unwraps what it is given.
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureRig } from '../fakes/azure/index';
import type { AzureTestRig } from '../fakes/azure/index';
import { runCli } from '../helpers/cli';
import { keysGenerate, tokenForCli } from '../helpers/cli-keys';

const VAULT = 'byok.vault.olocus.test';
const OTHER = 'other.vault.olocus.test';
const work = mkdtempSync(join(tmpdir(), 'olocus-azure-byok-'));
const { tokenUri, keyUri } = tokenForCli('azure-byok-src', '135790', work);

let rig: AzureTestRig;
const cli = (...args: string[]) => runCli(args, { env: rig.env });
const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const kek: Record<number, string> = {};
const fingerprint: Record<string, string> = {};

interface ExportOut {
  key: { spkiSha256: string; publicKeyPem: string };
  azure: { kty: string; crv: string | null };
}
interface ImportOut {
  key: { uri: string; spkiSha256: string; kty: string };
  proof: { spkiMatch: boolean; signatureVerified: boolean; algorithm: string };
  verified: boolean;
}

/** `byok import` of FILE into a key of that name in the fake vault. */
const byokImport = (file: string, name: string, ...more: string[]) =>
  cli('byok', 'import', '--file', file, '--to', `azurekv://${VAULT}/keys/${name}`, ...more);
/** `--from` a key on the SoftHSM token `--to` a key of that name in the fake vault. */
const fromTo = (label: string, name: string) => [
  '--from',
  keyUri(label),
  '--to',
  `azurekv://${VAULT}/keys/${name}`,
];

async function generate(type: string, label: string) {
  const r = await cli(...keysGenerate(tokenUri, type, label), '--extractable', '--json');
  expect(r.code, r.stderr).toBe(0);
  fingerprint[label] = json<{ fingerprint: { value: string } }>(r).fingerprint.value;
}

async function exportKey(label: string, bits: number, out = join(work, `${label}.byok`)) {
  return cli(
    'byok',
    'export',
    '--key',
    keyUri(label),
    '--kek-pem',
    join(work, `kek-${bits}.pem`),
    '--kek-kid',
    kek[bits]!,
    '--out',
    out,
    '--json',
  );
}

beforeAll(async () => {
  rig = await startAzureRig({ vaults: [{ host: VAULT }, { host: OTHER }] });
  await generate('ec-p256', 'ec-src');
  await generate('rsa-2048', 'rsa-src');
  for (const bits of [2048, 3072]) {
    const r = await cli(
      'byok',
      'kek',
      '--vault',
      VAULT,
      '--name',
      `kek-${bits}`,
      '--size',
      String(bits),
      '--out',
      join(work, `kek-${bits}.pem`),
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ kid: string; created: boolean; keyOps: string[]; size: number }>(r);
    expect(out).toMatchObject({ created: true, keyOps: ['import'], size: bits });
    kek[bits] = out.kid;
  }
}, 180_000);

afterAll(async () => {
  await rig?.fake.close();
});

describe('byok kek', { timeout: 180_000 }, () => {
  it('made an RSA-HSM key with key_ops import whose public key is the PEM written', () => {
    const stored = rig.fake.vault(VAULT).latest('kek-3072')!;
    expect(stored.kty).toBe('RSA-HSM');
    expect(stored.keyOps).toEqual(['import']);
    const pem = createPublicKey(readFileSync(join(work, 'kek-3072.pem'), 'utf8'));
    expect(sha256(pem.export({ type: 'spki', format: 'der' }))).toBe(
      sha256(createPublicKey(stored.privateKey).export({ type: 'spki', format: 'der' })),
    );
  });

  it('reuses an existing KEK (same kid) and refuses a key without import, writing no PEM', async () => {
    const again = await cli(
      'byok',
      'kek',
      '--vault',
      VAULT,
      '--name',
      'kek-3072',
      '--out',
      join(work, 'again.pem'),
      '--json',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(json<{ kid: string; created: boolean }>(again)).toMatchObject({
      kid: kek[3072],
      created: false,
    });
    const signing = await cli(
      'azure',
      'keys',
      'create',
      '--key',
      `azurekv://${VAULT}/keys/not-a-kek`,
      '--type',
      'rsa-3072',
    );
    expect(signing.code, signing.stderr).toBe(0);
    const out = join(work, 'not-a-kek.pem');
    const r = await cli('byok', 'kek', '--vault', VAULT, '--name', 'not-a-kek', '--out', out);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /HSM error 106 .*"not-a-kek" in byok\.vault\.olocus\.test cannot be a BYOK KEK.*key_ops sign, verify/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('byok export → import', { timeout: 180_000 }, () => {
  it("EC P-256: the vault unwraps the very key, its public key is the source's, and its signature verifies on the token", async () => {
    const exp = await exportKey('ec-src', 3072);
    expect(exp.code, exp.stderr).toBe(0);
    expect(json<ExportOut>(exp).azure).toEqual({ kty: 'EC-HSM', crv: 'P-256' });
    const file = join(work, 'ec-src.byok');
    const imp = await byokImport(file, 'ec-imported', '--source', keyUri('ec-src'), '--json');
    expect(imp.code, imp.stderr).toBe(0);
    const r = json<ImportOut>(imp);
    expect(r.proof).toEqual({ spkiMatch: true, signatureVerified: true, algorithm: 'ES256' });
    expect(r.key.spkiSha256).toBe(fingerprint['ec-src']);
    // What the fake holds is what it unwrapped from the file it was sent, byte for byte.
    const vault = rig.fake.vault(VAULT);
    const stored = vault.latest('ec-imported')!;
    expect(stored.origin).toBe('byok');
    expect(sha256(createPublicKey(stored.privateKey).export({ type: 'spki', format: 'der' }))).toBe(
      fingerprint['ec-src'],
    );
    expect(vault.byokSeen.at(-1)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    // A signature by the Azure key, checked by the source token itself.
    const data = join(work, 'data.txt');
    writeFileSync(data, 'signed in Azure, verified in the HSM it came from\n');
    const sig = join(work, 'azure.sig');
    const s = await cli('azure', 'sign', '--key', r.key.uri, '--in', data, '--out', sig);
    expect(s.code, s.stderr).toBe(0);
    const v = await cli('verify', '--key', keyUri('ec-src'), '--in', data, '--sig', sig);
    expect(v.code, v.stderr).toBe(0);
  });

  it('RSA-2048 under an RSA-2048 KEK, proven with the public key the export printed', async () => {
    const exp = await exportKey('rsa-src', 2048);
    expect(exp.code, exp.stderr).toBe(0);
    const out = json<ExportOut>(exp);
    expect(out.azure).toEqual({ kty: 'RSA-HSM', crv: null });
    const pub = join(work, 'rsa-src.pub.pem');
    writeFileSync(pub, out.key.publicKeyPem);
    const imp = await byokImport(
      join(work, 'rsa-src.byok'),
      'rsa-imported',
      '--public-key',
      pub,
      '--json',
    );
    expect(imp.code, imp.stderr).toBe(0);
    const r = json<ImportOut>(imp);
    expect(r).toMatchObject({
      verified: true,
      key: { kty: 'RSA-HSM', spkiSha256: fingerprint['rsa-src'] },
    });
    expect(r.proof.algorithm).toBe('RS256');
    const stored = rig.fake.vault(VAULT).latest('rsa-imported')!;
    expect(sha256(createPublicKey(stored.privateKey).export({ type: 'spki', format: 'der' }))).toBe(
      fingerprint['rsa-src'],
    );
  });

  it('says no (exit 1) when the public key given is not the one inside the file', async () => {
    const wrong = join(work, 'wrong.pub.pem');
    const exp = await exportKey('ec-src', 3072, join(work, 'ec-src-2.byok'));
    expect(exp.code, exp.stderr).toBe(0);
    // Any P-256 key other than ec-src: the vault's own P-256 key will do.
    const made = await cli(
      'azure',
      'keys',
      'create',
      '--key',
      `azurekv://${VAULT}/keys/some-p256`,
      '--type',
      'ec-p256',
      '--json',
    );
    writeFileSync(wrong, Buffer.from(json<{ spki: string }>(made).spki, 'base64'));
    const imp = await byokImport(
      join(work, 'ec-src-2.byok'),
      'ec-wrong-proof',
      '--public-key',
      wrong,
      '--json',
    );
    expect(imp.code).toBe(1);
    expect(json<ImportOut>(imp)).toMatchObject({
      verified: false,
      proof: { spkiMatch: false, signatureVerified: false },
    });
  });
});

describe('azure migrate', { timeout: 180_000 }, () => {
  it('moves a token key into the vault in one step: KEK sized for the key, import proven, no file left', async () => {
    await generate('ec-p256', 'ec-migrate');
    const r = await cli(
      'azure',
      'migrate',
      ...fromTo('ec-migrate', 'ec-migrated'),
      '--kek-name',
      'kek-auto',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ kek: { size: number; created: boolean; out: string }; import: ImportOut }>(
      r,
    );
    expect(out.kek).toMatchObject({ size: 3072, created: true });
    expect(out.import).toMatchObject({
      verified: true,
      key: { spkiSha256: fingerprint['ec-migrate'] },
    });
    const stored = rig.fake.vault(VAULT).latest('ec-migrated')!;
    expect(stored.origin).toBe('byok');
    expect(sha256(createPublicKey(stored.privateKey).export({ type: 'spki', format: 'der' }))).toBe(
      fingerprint['ec-migrate'],
    );
    expect(rig.fake.vault(VAULT).latest('kek-auto')!.keyOps).toEqual(['import']);
    expect(existsSync(out.kek.out)).toBe(false);
  });

  it('migrate --to azurekv:// is the same BYOK path as azure migrate; attest --key reads the vault', async () => {
    await generate('rsa-2048', 'rsa-migrate');
    const r = await cli('migrate', ...fromTo('rsa-migrate', 'rsa-migrated'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ import: ImportOut }>(r).import).toMatchObject({
      verified: true,
      key: { spkiSha256: fingerprint['rsa-migrate'] },
    });
    expect(rig.fake.vault(VAULT).latest('rsa-migrated')!.origin).toBe('byok');
    const wrongWrap = await cli('migrate', ...fromTo('rsa-migrate', 'rsa-again'), '--wrap', 'kwp');
    expect(wrongWrap.code).toBe(2);
    expect(wrongWrap.stderr).toContain('takes only --wrap rsa-aes-kwp');
    expect(rig.fake.vault(VAULT).latest('rsa-again')).toBeUndefined();

    // A plain vault offers no key attestation: the verdict says unknown, never pass.
    const attest = await cli('attest', '--key', `azurekv://${VAULT}/keys/rsa-migrated`, '--json');
    expect(attest.code).toBe(1);
    expect(json<{ overall: string }>(attest).overall).toBe('unknown');
  });

  it('refuses a key that is not extractable before anything is made in the vault', async () => {
    const gen = await cli(...keysGenerate(tokenUri, 'ec-p256', 'ec-fixed'));
    expect(gen.code, gen.stderr).toBe(0);
    const r = await cli(
      'azure',
      'migrate',
      ...fromTo('ec-fixed', 'ec-fixed'),
      '--kek-name',
      'kek-never',
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HSM error 106 .*"ec-fixed".*not extractable/);
    expect(rig.fake.vault(VAULT).latest('kek-never')).toBeUndefined();
    expect(rig.fake.vault(VAULT).latest('ec-fixed')).toBeUndefined();
    const list = await cli('keys', 'list', '--hsm', tokenUri, '--json');
    expect(json<{ keys: { label: string }[] }>(list).keys.map((k) => k.label)).toContain(
      'ec-fixed',
    );
  });
});

describe('byok import refusals', { timeout: 180_000 }, () => {
  it('refuses a file made for a KEK in another vault (exit 2) and creates nothing there', async () => {
    const r = await cli(
      'byok',
      'import',
      '--file',
      join(work, 'ec-src.byok'),
      '--to',
      `azurekv://${OTHER}/keys/elsewhere`,
      '--source',
      keyUri('ec-src'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /wrapped for a KEK in byok\.vault\.olocus\.test, not other\.vault\.olocus\.test/,
    );
    expect(rig.fake.vault(OTHER).latest('elsewhere')).toBeUndefined();
  });

  it('refuses an existing key name (106): the key keeps its one version', async () => {
    const before = rig.fake.vault(VAULT).latest('ec-imported')!.version;
    const r = await byokImport(
      join(work, 'ec-src.byok'),
      'ec-imported',
      '--source',
      keyUri('ec-src'),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /HSM error 106 .*"ec-imported" already exists in byok\.vault\.olocus\.test/,
    );
    expect(rig.fake.vault(VAULT).latest('ec-imported')!.version).toBe(before);
  });

  it('a tampered file is refused by the vault with one clear sentence, and no key is made', async () => {
    const file = JSON.parse(readFileSync(join(work, 'ec-src.byok'), 'utf8')) as {
      ciphertext: string;
    };
    const bytes = Buffer.from(file.ciphertext, 'base64url');
    bytes[bytes.length - 5]! ^= 0x01;
    const tampered = join(work, 'tampered.byok');
    writeFileSync(tampered, JSON.stringify({ ...file, ciphertext: bytes.toString('base64url') }));
    const r = await byokImport(tampered, 'from-tampered', '--source', keyUri('ec-src'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /refused importing key "from-tampered" in vault byok\.vault\.olocus\.test \(400: The BYOK blob could not be unwrapped/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(rig.fake.vault(VAULT).latest('from-tampered')).toBeUndefined();
  });

  it('bad input is exit 2: not a .byok file, no source public key', async () => {
    const junk = join(work, 'junk.byok');
    writeFileSync(junk, '{"schema_version":"1.0.0"}');
    const notByok = await byokImport(junk, 'x1', '--source', keyUri('ec-src'), '--json');
    expect(notByok.code).toBe(2);
    expect(json<{ error: { code: number; message: string } }>(notByok).error).toMatchObject({
      code: 108,
    });
    expect(json<{ error: { message: string } }>(notByok).error.message).toMatch(
      /junk\.byok is not a \.byok file: header/,
    );
    const noProof = await byokImport(join(work, 'ec-src.byok'), 'x2');
    expect(noProof.code).toBe(2);
    expect(noProof.stderr).toMatch(/--source URI or --public-key PEM/);
    expect(rig.fake.vault(VAULT).latest('x1')).toBeUndefined();
    expect(rig.fake.vault(VAULT).latest('x2')).toBeUndefined();
  });
});
