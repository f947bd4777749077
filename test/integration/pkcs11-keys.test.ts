// Every key type on a fresh SoftHSM token: generation with safe attributes, inventory, and
// signatures that an independent implementation (node:crypto) accepts.
import { createHash, createPublicKey, verify as softwareVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { KEY_TYPES } from '../../src/main/hsm/types';
import type { KeyType, SignAlgorithm } from '../../src/main/hsm/types';
import { ErrorCode } from '../../src/shared/errors';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('keys');
let hsm: Pkcs11Provider;

beforeAll(async () => {
  hsm = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: token.label } });
  await hsm.login(pin(token.userPin));
});
afterAll(() => hsm.close());

const DATA = Buffer.from('the root key signs this');

function softwareCheck(
  type: KeyType,
  spki: Uint8Array,
  signature: Uint8Array,
  alg: SignAlgorithm,
): boolean {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (alg === 'eddsa') return softwareVerify(null, DATA, key, signature);
  const hash = alg.endsWith('384') ? 'sha384' : alg.endsWith('512') ? 'sha512' : 'sha256';
  if (type.startsWith('ec'))
    return softwareVerify(hash, DATA, { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (alg.startsWith('rsa-pss')) {
    return softwareVerify(
      hash,
      DATA,
      { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(hash.slice(3)) / 8 },
      signature,
    );
  }
  return softwareVerify(hash, DATA, key, signature);
}

describe.each(KEY_TYPES.filter((t) => !t.startsWith('aes')))('%s key pair', (type) => {
  const label = `pair-${type}`;
  it('is generated sensitive, not extractable, local, and reported as such', async () => {
    const { privateKey, publicKey } = await hsm.generateKeyPair(type, { label });
    expect(privateKey).toMatchObject({ label, class: 'private', type, token: true });
    expect(privateKey.provenance).toEqual({
      local: true,
      neverExtractable: true,
      alwaysSensitive: true,
      extractable: false,
      sensitive: true,
    });
    expect(privateKey.usage.sign).toBe(true);
    // SoftHSM reports CKA_DECRYPT and CKA_UNWRAP true on EC private keys whatever the template
    // says (no EC decryption mechanism exists, so they grant nothing); RSA honours the template.
    if (type.startsWith('rsa'))
      expect(privateKey.usage).toMatchObject({ decrypt: false, unwrap: false });
    expect(publicKey.class).toBe('public');
    expect(privateKey.id).toBe(publicKey.id);
    expect(privateKey.spkiSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(privateKey.spkiSha256).toBe(publicKey.spkiSha256);
    const spki = await hsm.publicKey({ label, class: 'private' });
    expect(createHash('sha256').update(spki).digest('hex')).toBe(privateKey.spkiSha256);
    expect(privateKey.uri).toMatch(
      new RegExp(`^pkcs11:token=keys;object=${label};type=private;id=`),
    );
  });

  it('signs in the HSM; the HSM and node:crypto both accept the signature, and reject a changed one', async () => {
    const result = await hsm.sign({ label }, DATA);
    const spki = await hsm.publicKey({ label });
    expect(softwareCheck(type, spki, result.signature, result.algorithm)).toBe(true);
    expect(await hsm.verify({ label }, DATA, result.signature)).toBe(true);
    const bad = new Uint8Array(result.signature);
    bad[bad.length - 1]! ^= 0x01;
    expect(await hsm.verify({ label }, DATA, bad)).toBe(false);
    expect(await hsm.verify({ label }, Buffer.from('something else'), result.signature)).toBe(
      false,
    );
  });
});

describe('signing mechanisms chosen from what the token offers', () => {
  it('hashes in software and uses CKM_ECDSA when CKM_ECDSA_SHA384 is absent (SoftHSM)', async () => {
    const r = await hsm.sign({ label: 'pair-ec-p384' }, DATA);
    expect(r).toMatchObject({
      algorithm: 'ecdsa-sha384',
      mechanism: 'CKM_ECDSA',
      hashedInSoftware: true,
    });
    expect(r.signature.length).toBe(96);
  });

  it('uses the hashed RSA mechanism when the token has it, PSS included', async () => {
    const r = await hsm.sign({ label: 'pair-rsa-2048' }, DATA, 'rsa-pss-sha256');
    expect(r).toMatchObject({ mechanism: 'CKM_SHA256_RSA_PKCS_PSS', hashedInSoftware: false });
    expect(
      softwareCheck(
        'rsa-2048',
        await hsm.publicKey({ label: 'pair-rsa-2048' }),
        r.signature,
        'rsa-pss-sha256',
      ),
    ).toBe(true);
  });

  it('refuses an algorithm that does not fit the key', async () => {
    await expect(
      hsm.sign({ label: 'pair-ec-p256' }, DATA, 'rsa-pkcs1-sha256'),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_INPUT });
  });
});

describe('AES keys', () => {
  it.each(['aes-128', 'aes-256'] as const)(
    '%s is generated protected with a key check value',
    async (type) => {
      const key = await hsm.generateKey(type, { label: `secret-${type}` });
      expect(key).toMatchObject({
        class: 'secret',
        type,
        sizeBits: type === 'aes-128' ? 128 : 256,
        spkiSha256: null,
      });
      expect(key.kcv).toMatch(/^[0-9a-f]{6}$/);
      expect(key.provenance).toEqual({
        local: true,
        neverExtractable: true,
        alwaysSensitive: true,
        extractable: false,
        sensitive: true,
      });
      const again = await hsm.getAttributes({ label: `secret-${type}` });
      expect(again.kcv).toBe(key.kcv);
    },
  );

  it('encrypts and decrypts with AES-GCM and AES-CBC-PAD; a flipped byte fails GCM', async () => {
    const plain = Buffer.from('wrapped ceremony material, 41 bytes long.');
    for (const alg of ['aes-gcm', 'aes-cbc-pad'] as const) {
      const { ciphertext, iv } = await hsm.encrypt({ label: 'secret-aes-256' }, plain, alg);
      expect(Buffer.from(ciphertext).equals(plain)).toBe(false);
      expect(
        Buffer.from(await hsm.decrypt({ label: 'secret-aes-256' }, ciphertext, alg, iv)),
      ).toEqual(plain);
    }
    const { ciphertext, iv } = await hsm.encrypt({ label: 'secret-aes-256' }, plain, 'aes-gcm');
    ciphertext[0]! ^= 1;
    await expect(
      hsm.decrypt({ label: 'secret-aes-256' }, ciphertext, 'aes-gcm', iv),
    ).rejects.toMatchObject({ code: ErrorCode.OPERATION_FAILED });
    // SoftHSM leaves the failed decryption active on its session; the pool retires that session
    // (keeping the login) so the next operation does not meet CKR_OPERATION_ACTIVE.
    expect(await hsm.listKeys({ label: 'secret-aes-256' })).toHaveLength(1);
    expect((await hsm.poolStats())!.loggedIn).toBe(true);
  });
});

describe('RSA-OAEP', () => {
  it('encrypts with the public key and decrypts in the HSM (SHA-1, what SoftHSM implements)', async () => {
    await hsm.generateKeyPair('rsa-2048', { label: 'transport', usage: ['encrypt', 'wrap'] });
    const { ciphertext } = await hsm.encrypt(
      { label: 'transport' },
      Buffer.from('session key'),
      'rsa-oaep-sha1',
    );
    expect(ciphertext.length).toBe(256);
    expect(
      Buffer.from(
        await hsm.decrypt({ label: 'transport' }, ciphertext, 'rsa-oaep-sha1'),
      ).toString(),
    ).toBe('session key');
  });
});

describe('wrap and unwrap', () => {
  it('wraps an extractable EC key under an AES KEK (KWP) and unwraps it as a protected key with the same public key', async () => {
    await hsm.generateKey('aes-256', { label: 'kek' });
    const { privateKey } = await hsm.generateKeyPair('ec-p256', {
      label: 'movable',
      extractable: true,
    });
    expect(privateKey.provenance.extractable).toBe(true);
    const blob = await hsm.wrapKey(
      { label: 'kek' },
      { label: 'movable', class: 'private' },
      'aes-kwp',
    );
    expect(blob.length).toBeGreaterThan(60);
    const copy = await hsm.unwrapKey({ label: 'kek' }, blob, 'aes-kwp', {
      type: 'ec-p256',
      class: 'private',
      label: 'movable-copy',
      id: Buffer.from(privateKey.id, 'hex'),
    });
    expect(copy.provenance).toMatchObject({ sensitive: true, extractable: false, local: false });
    // SoftHSM cannot derive the public point of an unwrapped private key; the signature proves it.
    const sig = await hsm.sign({ label: 'movable-copy' }, DATA);
    expect(
      softwareCheck(
        'ec-p256',
        await hsm.publicKey({ label: 'movable' }),
        sig.signature,
        'ecdsa-sha256',
      ),
    ).toBe(true);
  });

  it('an unwrapped AES key is described as what it is, even where the module reports no size', async () => {
    await hsm.generateKey('aes-256', { label: 'movable-aes', extractable: true });
    const blob = await hsm.wrapKey(
      { label: 'kek' },
      { label: 'movable-aes', class: 'secret' },
      'aes-kwp',
    );
    const copy = await hsm.unwrapKey({ label: 'kek' }, blob, 'aes-kwp', {
      type: 'aes-256',
      class: 'secret',
      label: 'movable-aes-copy',
    });
    expect(copy).toMatchObject({ type: 'aes-256', sizeBits: 256, class: 'secret' });
    expect(copy.kcv).toBe((await hsm.getAttributes({ label: 'movable-aes', class: 'secret' })).kcv);
  });

  it('refuses to wrap a key that is not extractable, and the key stays', async () => {
    await expect(
      hsm.wrapKey({ label: 'kek' }, { label: 'pair-ec-p256', class: 'private' }, 'aes-kwp'),
    ).rejects.toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining('not extractable'),
    });
    expect((await hsm.listKeys({ label: 'pair-ec-p256' })).length).toBe(2);
  });
});

describe('inventory and labels', () => {
  it('lists every key with label, id, class, type, size, fingerprint and provenance', async () => {
    const keys = await hsm.listKeys();
    const p256 = keys.filter((k) => k.label === 'pair-ec-p256');
    expect(p256.map((k) => k.class).sort()).toEqual(['private', 'public']);
    for (const k of keys) {
      expect(k.id).toMatch(/^[0-9a-f]+$/);
      if (k.class !== 'secret')
        expect(k.spkiSha256 ?? k.label).toMatch(/^[0-9a-f]{64}$|movable-copy/);
    }
    expect(keys.find((k) => k.label === 'secret-aes-128')?.kcv).toMatch(/^[0-9a-f]{6}$/);
  });

  it('refuses a second key with a label that exists, and the first key is untouched', async () => {
    const before = await hsm.getAttributes({ label: 'pair-ec-p256', class: 'private' });
    await expect(hsm.generateKeyPair('ec-p384', { label: 'pair-ec-p256' })).rejects.toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining('already exists'),
    });
    await expect(hsm.generateKey('aes-256', { label: 'kek' })).rejects.toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
    });
    const after = await hsm.listKeys({ label: 'pair-ec-p256' });
    expect(after).toHaveLength(2);
    expect(after.find((k) => k.class === 'private')?.spkiSha256).toBe(before.spkiSha256);
  });

  it('two generations racing for one label make exactly one key', async () => {
    const results = await Promise.allSettled([
      hsm.generateKeyPair('ec-p256', { label: 'race' }),
      hsm.generateKeyPair('ec-p256', { label: 'race' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await hsm.listKeys({ label: 'race' })).toHaveLength(2);
  });

  it('destroys a key by label and then reports it missing (101)', async () => {
    expect(await hsm.destroyKey({ label: 'race' })).toBe(2);
    await expect(hsm.sign({ label: 'race' }, DATA)).rejects.toMatchObject({
      code: ErrorCode.KEY_NOT_FOUND,
    });
  });
});
