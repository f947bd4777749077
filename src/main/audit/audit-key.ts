// The audit key as the ledger publishes it, and head signatures checked with node:crypto alone:
// verification must not need the HSM that made them, or any code of ours beyond this file.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { canonicalJson, sha256Hex } from './canonical';
import { toPgpWords } from './pgp-words';
import {
  AUDIT_ALGORITHMS,
  HEAD_SIGNATURE_CONTEXT,
  type AuditAlgorithm,
  type AuditKeyInfo,
} from './types';

const HASH_OF: Record<AuditAlgorithm, string | null> = {
  'ecdsa-p256-sha256': 'sha256',
  'ecdsa-p384-sha384': 'sha384',
  ed25519: null,
  'rsa-pkcs1-sha256': 'sha256',
};

/** Why `key` cannot make `algorithm` signatures, or null when it can. */
function mismatch(key: KeyObject, algorithm: AuditAlgorithm): string | null {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  switch (algorithm) {
    case 'ecdsa-p256-sha256':
      return type === 'ec' && curve === 'prime256v1' ? null : 'it is not an EC P-256 key';
    case 'ecdsa-p384-sha384':
      return type === 'ec' && curve === 'secp384r1' ? null : 'it is not an EC P-384 key';
    case 'ed25519':
      return type === 'ed25519' ? null : 'it is not an Ed25519 key';
    case 'rsa-pkcs1-sha256':
      if (type !== 'rsa') return 'it is not an RSA key';
      return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048
        ? null
        : 'its modulus is shorter than 2048 bits';
  }
}

export function isAuditAlgorithm(value: unknown): value is AuditAlgorithm {
  return (AUDIT_ALGORITHMS as readonly unknown[]).includes(value);
}

/** Record 0's description of a signer's key; throws if the key does not fit the algorithm. */
export function describeAuditKey(algorithm: AuditAlgorithm, spki: Uint8Array): AuditKeyInfo {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'The audit signer’s public key is not a DER SubjectPublicKeyInfo.',
      { cause },
    );
  }
  const why = mismatch(key, algorithm);
  if (why) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The audit signer says ${algorithm} but ${why}.`,
    );
  }
  const fingerprint = sha256Hex(spki);
  return {
    algorithm,
    spki: Buffer.from(spki).toString('base64'),
    fingerprint_sha256: fingerprint,
    fingerprint_words: toPgpWords(fingerprint).join(' '),
  };
}

export type LoadedKey = { key: KeyObject; info: AuditKeyInfo };

/** Reads record 0's `audit_key` back; a string says why it is unusable. */
export function loadAuditKey(value: unknown): LoadedKey | string {
  if (value === null || typeof value !== 'object') return 'it has no audit_key object';
  const info = value as Partial<Record<keyof AuditKeyInfo, unknown>>;
  if (!isAuditAlgorithm(info.algorithm)) return 'its audit_key.algorithm is not one we know';
  if (typeof info.spki !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(info.spki)) {
    return 'its audit_key.spki is not base64';
  }
  const der = Buffer.from(info.spki, 'base64');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return 'its audit_key.spki is not a DER SubjectPublicKeyInfo';
  }
  const why = mismatch(key, info.algorithm);
  if (why) return `its audit_key says ${info.algorithm} but ${why}`;
  const fingerprint = sha256Hex(der);
  if (info.fingerprint_sha256 !== fingerprint) {
    return 'its audit_key.fingerprint_sha256 is not the SHA-256 of audit_key.spki';
  }
  if (info.fingerprint_words !== toPgpWords(fingerprint).join(' ')) {
    return 'its audit_key.fingerprint_words do not spell audit_key.fingerprint_sha256';
  }
  return {
    key,
    info: {
      algorithm: info.algorithm,
      spki: info.spki,
      fingerprint_sha256: fingerprint,
      fingerprint_words: info.fingerprint_words,
    },
  };
}

/**
 * The bytes a head signature signs: UTF-8 of the JCS object
 * {"ceremony_id", "context": "olocus-audit-head/1", "head", "seq_signed"}.
 * Binding the ceremony id and the position stops a signature being moved to another ledger or
 * another point in this one.
 */
export function headSignatureMessage(ceremonyId: string, seqSigned: number, head: string): Buffer {
  return Buffer.from(
    canonicalJson({
      ceremony_id: ceremonyId,
      context: HEAD_SIGNATURE_CONTEXT,
      head,
      seq_signed: seqSigned,
    }),
    'utf8',
  );
}

/** ECDSA signatures are raw r||s (IEEE P1363), as PKCS#11 CKM_ECDSA returns them. */
export function verifySignature(
  key: KeyObject,
  algorithm: AuditAlgorithm,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const ecdsa = algorithm.startsWith('ecdsa');
  try {
    return verify(
      HASH_OF[algorithm],
      message,
      ecdsa ? { key, dsaEncoding: 'ieee-p1363' } : key,
      signature,
    );
  } catch {
    return false;
  }
}
