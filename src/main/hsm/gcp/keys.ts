// Key rings, keys and versions on Cloud KMS: list, create, read public keys, and sign with the
// integrity checks the API offers (CRC32C of the digest going in, of the signature and the PEM
// coming back), every signature verified locally before it is handed on.
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { KeyManagementServiceClient, protos } from '@google-cloud/kms';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { call, kmsError } from './client';
import { bytesOf, cryptoKeyInfo, isoOf, keyRingInfo, nameOf, versionInfo } from './convert';
import type { Timestamp } from './convert';
import { crc32c, int64Of } from './crc32c';
import { SIGN_ALGORITHMS, isSignAlgorithm } from './names';
import type { SignAlgorithmName } from './names';
import type {
  GcpCryptoKeyInfo,
  GcpKeyRingInfo,
  GcpKeyVersionInfo,
  GcpPublicKey,
  GcpSignature,
} from './types';

type Kms = KeyManagementServiceClient;

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function corrupted(what: string): OlocusError {
  return new OlocusError(
    ErrorCode.OPERATION_FAILED,
    `${what} arrived from Cloud KMS with a CRC32C that does not match its bytes; it was corrupted in transit and is not used.`,
  );
}

export async function listKeyRings(kms: Kms, location: string): Promise<GcpKeyRingInfo[]> {
  const [rings] = await call(`listing the key rings of ${location}`, () =>
    kms.listKeyRings({ parent: location }),
  );
  return rings.map(keyRingInfo);
}

export async function listVersions(kms: Kms, cryptoKey: string): Promise<GcpKeyVersionInfo[]> {
  const [versions] = await call(`listing the versions of ${cryptoKey}`, () =>
    kms.listCryptoKeyVersions({ parent: cryptoKey }),
  );
  return versions.map(versionInfo);
}

/** Every key of a ring with its versions (protection level, algorithm, state). */
export async function listCryptoKeys(kms: Kms, keyRing: string): Promise<GcpCryptoKeyInfo[]> {
  const [keys] = await call(`listing the keys of ${keyRing}`, () =>
    kms.listCryptoKeys({ parent: keyRing }),
  );
  return Promise.all(keys.map(async (k) => cryptoKeyInfo(k, await listVersions(kms, k.name!))));
}

export async function getVersion(
  kms: Kms,
  name: string,
): Promise<protos.google.cloud.kms.v1.ICryptoKeyVersion> {
  const [v] = await call(`reading the key version ${name}`, () =>
    kms.getCryptoKeyVersion({ name }),
  );
  return v;
}

export async function getCryptoKey(
  kms: Kms,
  name: string,
): Promise<protos.google.cloud.kms.v1.ICryptoKey | null> {
  try {
    const [k] = await kms.getCryptoKey({ name });
    return k;
  } catch (e) {
    if ((e as { code?: number }).code === 5) return null;
    throw kmsError(`reading the key ${name}`, e);
  }
}

export async function createKeyRing(
  kms: Kms,
  location: string,
  keyRingId: string,
): Promise<GcpKeyRingInfo> {
  const [ring] = await call(`creating the key ring ${keyRingId} in ${location}`, () =>
    kms.createKeyRing({ parent: location, keyRingId, keyRing: {} }),
  );
  return keyRingInfo(ring);
}

export interface CreateKeyOptions {
  purpose: 'ASYMMETRIC_SIGN' | 'ENCRYPT_DECRYPT';
  /** For ASYMMETRIC_SIGN, one of SIGN_ALGORITHMS; ENCRYPT_DECRYPT is GOOGLE_SYMMETRIC_ENCRYPTION. */
  algorithm?: SignAlgorithmName;
  /** Default HSM: a ceremony key belongs in Cloud HSM. */
  protectionLevel?: 'HSM' | 'SOFTWARE';
  /** An import target: no version is generated, versions only come from import jobs. */
  importOnly?: boolean;
}

export async function createCryptoKey(
  kms: Kms,
  keyRing: string,
  cryptoKeyId: string,
  o: CreateKeyOptions,
): Promise<GcpCryptoKeyInfo> {
  if (o.purpose === 'ASYMMETRIC_SIGN' && (!o.algorithm || !isSignAlgorithm(o.algorithm)))
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `An ASYMMETRIC_SIGN key needs one of ${Object.keys(SIGN_ALGORITHMS).join(', ')}.`,
    );
  const algorithm = o.purpose === 'ASYMMETRIC_SIGN' ? o.algorithm! : 'GOOGLE_SYMMETRIC_ENCRYPTION';
  const [key] = await call(`creating the key ${cryptoKeyId} in ${keyRing}`, () =>
    kms.createCryptoKey({
      parent: keyRing,
      cryptoKeyId,
      cryptoKey: {
        purpose: o.purpose,
        versionTemplate: { protectionLevel: o.protectionLevel ?? 'HSM', algorithm },
        importOnly: o.importOnly === true,
      },
      skipInitialVersionCreation: o.importOnly === true,
    }),
  );
  return cryptoKeyInfo(key, o.importOnly ? [] : await listVersions(kms, key.name!));
}

/**
 * Rotation: a new version of the key (same algorithm and protection level, from the key's
 * template); for ENCRYPT_DECRYPT keys it is then made primary. Asymmetric keys have no primary
 * on Cloud KMS: callers choose the version, and the new one is the latest.
 */
export async function rotateCryptoKey(
  kms: Kms,
  cryptoKey: string,
): Promise<{ version: GcpKeyVersionInfo; madePrimary: boolean }> {
  const [v] = await call(`creating a new version of ${cryptoKey}`, () =>
    kms.createCryptoKeyVersion({ parent: cryptoKey, cryptoKeyVersion: {} }),
  );
  const key = await getCryptoKey(kms, cryptoKey);
  if (key?.purpose !== 'ENCRYPT_DECRYPT') return { version: versionInfo(v), madePrimary: false };
  const id = (v.name ?? '').split('/').pop() ?? '';
  await call(`making ${v.name} the primary version of ${cryptoKey}`, () =>
    kms.updateCryptoKeyPrimaryVersion({ name: cryptoKey, cryptoKeyVersionId: id }),
  );
  return { version: versionInfo(v), madePrimary: true };
}

/** The version's public key as DER SPKI, after checking name and CRC32C of what arrived. */
export async function getPublicKey(kms: Kms, name: string): Promise<GcpPublicKey> {
  const [pk] = await call(`reading the public key of ${name}`, () => kms.getPublicKey({ name }));
  const pem = pk.pem ?? '';
  const crc = int64Of(pk.pemCrc32c);
  if (crc === null || crc !== crc32c(pem)) throw corrupted(`The public key of ${name}`);
  if (pk.name && pk.name !== name)
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `Cloud KMS answered with the public key of ${pk.name} when asked for ${name}.`,
    );
  let spki: Uint8Array;
  try {
    spki = new Uint8Array(createPublicKey(pem).export({ type: 'spki', format: 'der' }));
  } catch (e) {
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `The public key of ${name} is not a PEM public key.`,
      { cause: e },
    );
  }
  return {
    name,
    algorithm: nameOf(pk.algorithm),
    protectionLevel: nameOf(pk.protectionLevel),
    spki,
    spkiSha256: sha256Hex(spki),
    crc32cVerified: true,
  };
}

/** Verifies a Cloud KMS signature (DER ECDSA, PKCS#1 v1.5 or PSS) with node:crypto. */
export function verifyKmsSignature(
  spki: Uint8Array,
  algorithm: string,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!isSignAlgorithm(algorithm)) return false;
  const a = SIGN_ALGORITHMS[algorithm];
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (a.digest === null) return verify(null, data, key, signature);
  if (a.sign.startsWith('ecdsa'))
    return verify(a.digest, data, { key, dsaEncoding: 'der' }, signature);
  if (a.sign.startsWith('rsa-pss'))
    return verify(a.digest, data, { key, padding: 6, saltLength: 32 }, signature);
  return verify(a.digest, data, key, signature);
}

/**
 * Signs `data` with a version: the digest is made here, sent with its CRC32C, and the answer is
 * accepted only if KMS says it checked that CRC, names our version, carries a matching CRC32C
 * of the signature, and the signature verifies under the version's public key.
 */
export async function signWithVersion(
  kms: Kms,
  name: string,
  data: Uint8Array,
  publicKey?: GcpPublicKey,
): Promise<GcpSignature> {
  const pub = publicKey ?? (await getPublicKey(kms, name));
  if (!isSignAlgorithm(pub.algorithm))
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${name} is a ${pub.algorithm} key, which this tool does not sign with (it signs with ${Object.keys(SIGN_ALGORITHMS).join(', ')}).`,
    );
  const hash = SIGN_ALGORITHMS[pub.algorithm].digest;
  const digest = hash ? createHash(hash).update(data).digest() : null;
  const [r] = await call(`signing with ${name}`, () =>
    kms.asymmetricSign(
      hash && digest
        ? { name, digest: { [hash]: digest }, digestCrc32c: { value: crc32c(digest) } }
        : { name, data, dataCrc32c: { value: crc32c(data) } },
    ),
  );
  if ((digest ? r.verifiedDigestCrc32c : r.verifiedDataCrc32c) !== true)
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `Cloud KMS did not confirm the CRC32C of the ${digest ? 'digest' : 'data'} sent to ${name}, so the signature may cover corrupted data; it is not used.`,
    );
  if (r.name !== name)
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `Cloud KMS answered for ${r.name ?? 'no key'} when asked to sign with ${name}.`,
    );
  const signature = bytesOf(r.signature);
  if (int64Of(r.signatureCrc32c) !== crc32c(signature)) throw corrupted(`The signature of ${name}`);
  return {
    name,
    algorithm: pub.algorithm,
    signature,
    integrity: { inputCrc32cVerifiedByKms: true, signatureCrc32cVerified: true },
    verifiedLocally: verifyKmsSignature(pub.spki, pub.algorithm, data, signature),
  };
}

/** Turns a version off (state DISABLED): Cloud KMS then refuses every operation with it. */
export async function disableCryptoKeyVersion(kms: Kms, name: string): Promise<GcpKeyVersionInfo> {
  const [v] = await call(`disabling ${name}`, () =>
    kms.updateCryptoKeyVersion({
      cryptoKeyVersion: { name, state: 'DISABLED' },
      updateMask: { paths: ['state'] },
    }),
  );
  return versionInfo(v);
}

/** DESTROY_SCHEDULED now; Cloud KMS destroys it at `destroyTime` (the key's scheduled duration). */
export async function scheduleVersionDestruction(
  kms: Kms,
  name: string,
): Promise<{ version: GcpKeyVersionInfo; destroyTime: string | null }> {
  const [v] = await call(`scheduling the destruction of ${name}`, () =>
    kms.destroyCryptoKeyVersion({ name }),
  );
  return { version: versionInfo(v), destroyTime: isoOf(v.destroyTime as Timestamp) };
}
