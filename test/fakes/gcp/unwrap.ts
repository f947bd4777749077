// What Cloud KMS does with a wrapped key from an import job, done for real: RSA-OAEP with the
// job's private key and the method's hash (MGF1 with the same hash, empty label) recovers the
// ephemeral AES-256 key; AES-KWP (RFC 5649, OpenSSL id-aes256-wrap-pad) recovers the PKCS#8;
// the PKCS#8 must parse and match the algorithm the caller named. Each failure is the reason a
// version ends IMPORT_FAILED.
import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export const METHODS: Record<string, { bits: number; hash: 'sha1' | 'sha256' }> = {
  RSA_OAEP_3072_SHA1_AES_256: { bits: 3072, hash: 'sha1' },
  RSA_OAEP_4096_SHA1_AES_256: { bits: 4096, hash: 'sha1' },
  RSA_OAEP_3072_SHA256_AES_256: { bits: 3072, hash: 'sha256' },
  RSA_OAEP_4096_SHA256_AES_256: { bits: 4096, hash: 'sha256' },
};

/** What each algorithm's key must be (node:crypto's words). */
export const ALGORITHM_KEYS: Record<
  string,
  { type: 'ec' | 'rsa' | 'ed25519'; detail: string | number }
> = {
  EC_SIGN_P256_SHA256: { type: 'ec', detail: 'prime256v1' },
  EC_SIGN_P384_SHA384: { type: 'ec', detail: 'secp384r1' },
  EC_SIGN_SECP256K1_SHA256: { type: 'ec', detail: 'secp256k1' },
  EC_SIGN_ED25519: { type: 'ed25519', detail: 'ed25519' },
  RSA_SIGN_PKCS1_2048_SHA256: { type: 'rsa', detail: 2048 },
  RSA_SIGN_PKCS1_3072_SHA256: { type: 'rsa', detail: 3072 },
  RSA_SIGN_PKCS1_4096_SHA256: { type: 'rsa', detail: 4096 },
};

export class ImportFailure extends Error {}

export function unwrapImport(
  method: string,
  jobKey: KeyObject,
  wrapped: Buffer,
  algorithm: string,
): KeyObject {
  const m = METHODS[method];
  if (!m) throw new ImportFailure(`Import method ${method} is not supported.`);
  const oaepBytes = m.bits / 8;
  let aes: Buffer;
  try {
    aes = privateDecrypt(
      { key: jobKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: m.hash },
      wrapped.subarray(0, oaepBytes),
    );
  } catch {
    throw new ImportFailure('The wrapped AES key could not be decrypted with the import job key.');
  }
  if (aes.length !== 32) {
    aes.fill(0);
    throw new ImportFailure('The unwrapped ephemeral key is not an AES-256 key.');
  }
  let pkcs8: Buffer;
  try {
    const d = createDecipheriv('id-aes256-wrap-pad', aes, Buffer.from('a65959a6', 'hex'));
    pkcs8 = Buffer.concat([d.update(wrapped.subarray(oaepBytes)), d.final()]);
  } catch {
    throw new ImportFailure(
      'The key material could not be unwrapped with the ephemeral AES key (KWP integrity check failed).',
    );
  } finally {
    aes.fill(0);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } catch {
    throw new ImportFailure('The unwrapped key material is not a PKCS#8 PrivateKeyInfo.');
  } finally {
    pkcs8.fill(0);
  }
  const want = ALGORITHM_KEYS[algorithm];
  const details = key.asymmetricKeyDetails;
  const got =
    key.asymmetricKeyType === 'ec'
      ? details?.namedCurve
      : key.asymmetricKeyType === 'rsa'
        ? details?.modulusLength
        : key.asymmetricKeyType;
  if (!want || want.type !== key.asymmetricKeyType || want.detail !== got)
    throw new ImportFailure(
      `The imported key (${key.asymmetricKeyType} ${String(got)}) does not match the algorithm ${algorithm}.`,
    );
  return key;
}
