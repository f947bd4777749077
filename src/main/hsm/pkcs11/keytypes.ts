// What each key type of the product is in PKCS#11 terms.
import type { KeyType, SignAlgorithm } from '../types';

export type KeyFamily = 'ec' | 'ed' | 'rsa' | 'aes';

export interface KeySpec {
  type: KeyType;
  family: KeyFamily;
  bits: number;
  /** Curve name as JOSE spells it (what node:crypto imports). */
  curve?: 'P-256' | 'P-384' | 'P-521' | 'secp256k1' | 'Ed25519';
  /** DER of the curve OID, the value of CKA_EC_PARAMS. */
  ecParams?: string;
  defaultSign?: SignAlgorithm;
}

export const KEY_SPECS: Record<KeyType, KeySpec> = {
  'ec-p256': {
    type: 'ec-p256',
    family: 'ec',
    bits: 256,
    curve: 'P-256',
    ecParams: '06082a8648ce3d030107',
    defaultSign: 'ecdsa-sha256',
  },
  'ec-p384': {
    type: 'ec-p384',
    family: 'ec',
    bits: 384,
    curve: 'P-384',
    ecParams: '06052b81040022',
    defaultSign: 'ecdsa-sha384',
  },
  'ec-p521': {
    type: 'ec-p521',
    family: 'ec',
    bits: 521,
    curve: 'P-521',
    ecParams: '06052b81040023',
    defaultSign: 'ecdsa-sha512',
  },
  'ec-secp256k1': {
    type: 'ec-secp256k1',
    family: 'ec',
    bits: 256,
    curve: 'secp256k1',
    ecParams: '06052b8104000a',
    defaultSign: 'ecdsa-sha256',
  },
  ed25519: {
    type: 'ed25519',
    family: 'ed',
    bits: 255,
    curve: 'Ed25519',
    ecParams: '06032b6570',
    defaultSign: 'eddsa',
  },
  'rsa-2048': { type: 'rsa-2048', family: 'rsa', bits: 2048, defaultSign: 'rsa-pkcs1-sha256' },
  'rsa-3072': { type: 'rsa-3072', family: 'rsa', bits: 3072, defaultSign: 'rsa-pkcs1-sha256' },
  'rsa-4096': { type: 'rsa-4096', family: 'rsa', bits: 4096, defaultSign: 'rsa-pkcs1-sha256' },
  'aes-128': { type: 'aes-128', family: 'aes', bits: 128 },
  'aes-256': { type: 'aes-256', family: 'aes', bits: 256 },
};

/** Modules spell Ed25519's CKA_EC_PARAMS either as the OID or as PrintableString "edwards25519". */
const ED25519_PRINTABLE = '130c656477617264733235353139';

export function specFromEcParams(hex: string): KeySpec | null {
  if (hex === ED25519_PRINTABLE) return KEY_SPECS.ed25519;
  return Object.values(KEY_SPECS).find((s) => s.ecParams === hex) ?? null;
}

/** Bytes of one coordinate for the curve (P-521 rounds up to 66). */
export function coordinateBytes(spec: KeySpec): number {
  return Math.ceil(spec.bits / 8);
}
