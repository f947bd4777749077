// `byok export` through the facade on a real SoftHSM token, without Azure: the test holds the KEK's
// private key, so it opens the .byok file the way Azure's HSM does (RSA-OAEP-SHA1, then AES-KWP)
// and checks that the key inside is the token's key. Every refusal leaves the token and the
// output path as they were.
import {
  constants,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
} from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../src/main/service/index';
import { OlocusError } from '../../src/shared/errors';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('byok-export', '246810');
const work = mkdtempSync(join(tmpdir(), 'olocus-byok-export-'));
const pinFile = join(work, 'pin');
writeFileSync(pinFile, token.userPin, { mode: 0o600 });
const tokenUri = `pkcs11:token=${token.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const keyUri = (label: string) =>
  `pkcs11:token=${token.label};object=${label};type=private?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const KID = (name: string) =>
  `https://byok.vault.azure.net/keys/${name}/00112233445566778899aabbccddeeff`;

function kekPair(bits: number) {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const path = join(work, `kek-${bits}-${Math.random().toString(16).slice(2)}.pem`);
  writeFileSync(path, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { ...pair, path };
}

/** What Azure's HSM does with a .byok file: OAEP-SHA1 under the KEK, then KWP, then PKCS#8. */
function openByok(
  path: string,
  kekPrivate: ReturnType<typeof kekPair>['privateKey'],
  bits: number,
) {
  const file = JSON.parse(readFileSync(path, 'utf8')) as { ciphertext: string };
  const blob = Buffer.from(file.ciphertext, 'base64url');
  const aes = privateDecrypt(
    { key: kekPrivate, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    blob.subarray(0, bits / 8),
  );
  const d = createDecipheriv('id-aes256-wrap-pad', aes, Buffer.from('a65959a6', 'hex'));
  const pkcs8 = Buffer.concat([d.update(blob.subarray(bits / 8)), d.final()]);
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

const spkiSha256 = (k: ReturnType<typeof createPublicKey>) =>
  createHash('sha256')
    .update(k.export({ type: 'spki', format: 'der' }))
    .digest('hex');

let service: CeremonyService;

async function labels(): Promise<string[]> {
  return (await service.listKeys(tokenUri)).keys.map((k) => k.label);
}

async function refusal(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

beforeAll(async () => {
  service = new CeremonyService();
  await service.generateKey(tokenUri, 'ec-p256', 'ec-movable', { extractable: true });
  await service.generateKey(tokenUri, 'rsa-2048', 'rsa-movable', { extractable: true });
  await service.generateKey(tokenUri, 'ec-p384', 'ec-strong', { extractable: true });
  await service.generateKey(tokenUri, 'ec-p256', 'ec-stays');
  await service.generateKey(tokenUri, 'ed25519', 'ed-movable', { extractable: true });
});

afterAll(async () => {
  await service.close();
});

describe('byok export (SoftHSM source, no Azure)', () => {
  it.each([
    ['ec-movable', 3072],
    ['rsa-movable', 2048],
  ])(
    'wraps %s under an RSA-%i KEK so that the KEK holder finds the very same key',
    async (label, bits) => {
      const kek = kekPair(bits);
      const out = join(work, `${label}.byok`);
      const before = await labels();
      const r = await service.azure.byokExport(keyUri(label), kek.path, KID('kek'), out);
      const file = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
      expect(file.header).toEqual({ kid: KID('kek'), alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' });
      expect(file.schema_version).toBe('1.0.0');
      expect(file.generator).toMatch(/^olocus-ceremony \d+\.\d+\.\d+/);
      const inside = openByok(out, kek.privateKey, bits);
      expect(spkiSha256(createPublicKey(inside))).toBe(r.key.spkiSha256);
      expect(r.oaepHash).toBe('sha1');
      // The KEK's public key was a session object for the wrap only.
      expect(await labels()).toEqual(before);
      expect(before.some((l) => l.startsWith('olocus-byok-kek'))).toBe(false);
    },
  );

  it('refuses a key that is not extractable (106), writes nothing, and the key stays', async () => {
    const kek = kekPair(3072);
    const out = join(work, 'stays.byok');
    const e = await refusal(service.azure.byokExport(keyUri('ec-stays'), kek.path, KID('k'), out));
    expect(e.code).toBe(106);
    expect(e.message).toMatch(/"ec-stays".*not extractable/);
    expect(existsSync(out)).toBe(false);
    expect(await labels()).toContain('ec-stays');
  });

  it('refuses a KEK weaker than the key (P-384 under RSA-3072) per SP 800-57', async () => {
    const kek = kekPair(3072);
    const out = join(work, 'strong.byok');
    const e = await refusal(service.azure.byokExport(keyUri('ec-strong'), kek.path, KID('k'), out));
    expect(e.code).toBe(106);
    expect(e.message).toMatch(/EC-P384 \(192 bits\).*RSA-3072 \(128 bits\).*SP 800-57/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a PEM that is not RSA (108) before touching the token', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const path = join(work, 'ec-kek.pem');
    writeFileSync(path, ec.export({ type: 'spki', format: 'pem' }));
    const out = join(work, 'ec-kek.byok');
    const e = await refusal(service.azure.byokExport(keyUri('ec-movable'), path, KID('k'), out));
    expect(e.code).toBe(108);
    expect(e.message).toMatch(/ec-kek\.pem holds a ec public key/);
    expect(existsSync(out)).toBe(false);
  });

  it('never overwrites an existing --out: the old file is untouched', async () => {
    const kek = kekPair(3072);
    const out = join(work, 'existing.byok');
    writeFileSync(out, 'the earlier export\n');
    const e = await refusal(
      service.azure.byokExport(keyUri('ec-movable'), kek.path, KID('k'), out),
    );
    expect(e.code).toBe(108);
    expect(e.message).toMatch(/already exists; a \.byok file is never overwritten/);
    expect(readFileSync(out, 'utf8')).toBe('the earlier export\n');
  });

  it('refuses a KEK id without its version, and an Ed25519 key Azure cannot import', async () => {
    const kek = kekPair(3072);
    const noVersion = await refusal(
      service.azure.byokExport(
        keyUri('ec-movable'),
        kek.path,
        'https://byok.vault.azure.net/keys/kek',
        join(work, 'nv.byok'),
      ),
    );
    expect(noVersion.code).toBe(108);
    const out = join(work, 'ed.byok');
    const ed = await refusal(
      service.azure.byokExport(keyUri('ed-movable'), kek.path, KID('k'), out),
    );
    expect(ed.code).toBe(104);
    expect(ed.message).toMatch(/ed25519 key, which Azure Key Vault cannot import/);
    expect(existsSync(out)).toBe(false);
    expect(await labels()).toContain('ed-movable');
  });
});
