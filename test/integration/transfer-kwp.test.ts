// Key migration under a symmetric KEK that both tokens hold (the backup KEK rebuilt from shares),
// and what happens when the two KEKs are not the same key.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import {
  dropSharedKek,
  importSharedKek,
  migrateKey,
  verifyWithSpki,
} from '../../src/main/transfer';
import { ErrorCode } from '../../src/shared/errors';
import { Secret } from '../../src/shared/secret';
import { tokenPair } from '../helpers/token-pair';

const pair = tokenPair('kwp');
let source: Pkcs11Provider;
let target: Pkcs11Provider;
const kek = { source: { label: 'backup-kek' }, target: { label: 'backup-kek' } };

beforeAll(async () => {
  await pair.open();
  ({ source, target } = pair);
  const bytes = new Uint8Array(randomBytes(32));
  const value = Secret.adopt(bytes);
  expect(bytes.every((b) => b === 0)).toBe(true); // the Secret holds the only copy
  await importSharedKek(source, target, value, { label: 'backup-kek' });
  // The KEK's Secret is disposed once both tokens hold it.
  expect(value.disposed).toBe(true);
});
afterAll(async () => {
  await dropSharedKek(source, target, 'backup-kek');
  await pair.close();
});

describe.each(['ec-p256', 'ec-p384', 'rsa-2048'] as const)(
  '%s private key under the KEK',
  (type) => {
    it('moves with CKM_AES_KEY_WRAP_PAD and is proven by a signature the source key accepts', async () => {
      const label = `kwp-${type}`;
      const { privateKey } = await source.generateKeyPair(type, { label, extractable: true });
      const r = await migrateKey(source, target, { label }, { wrap: 'kwp', kek });
      expect(r).toMatchObject({
        wrap: 'kwp',
        mechanisms: ['CKM_AES_KEY_WRAP_PAD'],
        oaepHash: null,
        nativeRsaAes: null,
        strength: { wrapBits: 256, belowKey: false },
      });
      expect(r.proof.signatureVerified).toBe(true);
      expect(r.target.spkiSha256).toBe(privateKey.spkiSha256);
      const data = Buffer.from('after a kwp migration');
      const sig = await target.sign({ label }, data);
      expect(
        verifyWithSpki(await source.publicKey({ label }), sig.algorithm, data, sig.signature),
      ).toBe(true);
    });
  },
);

describe('AES-256 secret key under the KEK', () => {
  it('is proven by its KCV', async () => {
    const made = await source.generateKey('aes-256', { label: 'kwp-aes', extractable: true });
    const r = await migrateKey(source, target, { label: 'kwp-aes' }, { wrap: 'kwp', kek });
    expect(r.proof).toEqual({
      method: 'kcv',
      spkiMatch: null,
      signatureVerified: null,
      kcvMatch: true,
    });
    expect(r.target.kcv).toBe(made.kcv);
  });

  it('a wrap-only key (no KCV) is proven by wrapping the same probe on both tokens', async () => {
    await source.generateKey('aes-256', {
      label: 'kwp-wrap-only',
      extractable: true,
      usage: ['wrap'],
    });
    const r = await migrateKey(source, target, { label: 'kwp-wrap-only' }, { wrap: 'kwp', kek });
    expect(r.proof).toMatchObject({ method: 'kwp-compare', kcvMatch: true });
    const copy = await target.getAttributes({ label: 'kwp-wrap-only' });
    expect(copy.usage).toMatchObject({ encrypt: false, sign: false, wrap: true, unwrap: true });
  });
});

describe('KEKs that differ', () => {
  it('fail the unwrap; nothing is left on the target and the source key stays', async () => {
    await source.importSecretKey('aes-256', new Uint8Array(randomBytes(32)), {
      label: 'other-kek',
      token: false,
      usage: ['wrap'],
    });
    await target.importSecretKey('aes-256', new Uint8Array(randomBytes(32)), {
      label: 'other-kek',
      token: false,
      usage: ['wrap'],
    });
    await source.generateKeyPair('ec-p256', { label: 'kwp-mismatch', extractable: true });
    const err = await migrateKey(
      source,
      target,
      { label: 'kwp-mismatch' },
      { wrap: 'kwp', kek: { source: { label: 'other-kek' }, target: { label: 'other-kek' } } },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.any(Number) });
    expect([
      ErrorCode.OPERATION_FAILED,
      ErrorCode.MECHANISM_UNSUPPORTED,
      ErrorCode.INVALID_INPUT,
    ]).toContain((err as { code: number }).code);
    expect(await target.listKeys({ label: 'kwp-mismatch' })).toEqual([]);
    expect(await source.listKeys({ label: 'kwp-mismatch' })).toHaveLength(2);
  });
});
