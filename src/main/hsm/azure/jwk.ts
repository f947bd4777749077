// Azure keys in the product's words: key type from the JWK (kty, crv, modulus size), the public
// key as DER SPKI and its SHA-256, and the signing algorithm each type takes.
import { createHash, createPublicKey } from 'node:crypto';
import type { JsonWebKey } from '@azure/keyvault-keys';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { KeyType, SignAlgorithm } from '../types';

const b64u = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('base64url') : undefined);

const CURVE_TYPES: Record<string, KeyType> = {
  'P-256': 'ec-p256',
  'P-384': 'ec-p384',
  'P-521': 'ec-p521',
  'P-256K': 'ec-secp256k1',
};

/** The Azure key types this tool creates, and how (kty, size or curve). */
export const AZURE_CREATE: Partial<
  Record<KeyType, { kty: 'EC-HSM' | 'RSA-HSM' | 'oct-HSM'; size?: number; curve?: string }>
> = {
  'ec-p256': { kty: 'EC-HSM', curve: 'P-256' },
  'ec-p384': { kty: 'EC-HSM', curve: 'P-384' },
  'ec-p521': { kty: 'EC-HSM', curve: 'P-521' },
  'rsa-2048': { kty: 'RSA-HSM', size: 2048 },
  'rsa-3072': { kty: 'RSA-HSM', size: 3072 },
  'rsa-4096': { kty: 'RSA-HSM', size: 4096 },
  'aes-128': { kty: 'oct-HSM', size: 128 },
  'aes-256': { kty: 'oct-HSM', size: 256 },
};

/** DER SPKI of an RSA or EC JWK; null for a symmetric key, which has no public half. */
export function spkiFromJwk(jwk: JsonWebKey): Buffer | null {
  const kty = (jwk.kty ?? '').replace(/-HSM$/, '');
  if (kty === 'RSA' && jwk.n && jwk.e)
    return createPublicKey({
      key: { kty: 'RSA', n: b64u(jwk.n)!, e: b64u(jwk.e)! },
      format: 'jwk',
    }).export({ type: 'spki', format: 'der' });
  if (kty === 'EC' && jwk.x && jwk.y && jwk.crv) {
    const crv = jwk.crv === 'P-256K' ? 'secp256k1' : jwk.crv;
    return createPublicKey({
      key: { kty: 'EC', crv, x: b64u(jwk.x)!, y: b64u(jwk.y)! },
      format: 'jwk',
    }).export({ type: 'spki', format: 'der' });
  }
  return null;
}

export function keyTypeOfJwk(jwk: JsonWebKey): KeyType | null {
  const kty = (jwk.kty ?? '').replace(/-HSM$/, '');
  if (kty === 'EC') return CURVE_TYPES[jwk.crv ?? ''] ?? null;
  if (kty === 'RSA' && jwk.n) {
    // The modulus's bit length, without a leading zero byte some encoders add.
    const n = Buffer.from(jwk.n);
    const bits = (n.length - (n[0] === 0 ? 1 : 0)) * 8;
    const t = `rsa-${bits}`;
    return t === 'rsa-2048' || t === 'rsa-3072' || t === 'rsa-4096' ? t : null;
  }
  return null;
}

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Key Vault's algorithm name, the hash computed locally, and the product's name for it. */
export interface AzureSignAlgorithm {
  azure: 'ES256' | 'ES384' | 'ES512' | 'ES256K' | 'RS256';
  hash: 'sha256' | 'sha384' | 'sha512';
  algorithm: SignAlgorithm;
}

/** ECDSA with the curve's hash; RSA keys sign RSASSA-PKCS1-v1_5 with SHA-256, as PKCS#11 does by default here. */
export function signAlgorithmFor(type: KeyType | null, name: string): AzureSignAlgorithm {
  switch (type) {
    case 'ec-p256':
      return { azure: 'ES256', hash: 'sha256', algorithm: 'ecdsa-sha256' };
    case 'ec-secp256k1':
      return { azure: 'ES256K', hash: 'sha256', algorithm: 'ecdsa-sha256' };
    case 'ec-p384':
      return { azure: 'ES384', hash: 'sha384', algorithm: 'ecdsa-sha384' };
    case 'ec-p521':
      return { azure: 'ES512', hash: 'sha512', algorithm: 'ecdsa-sha512' };
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return { azure: 'RS256', hash: 'sha256', algorithm: 'rsa-pkcs1-sha256' };
    default:
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `The Azure key "${name}" is ${type ?? 'of a type this tool does not sign with'}; only RSA and EC keys sign.`,
      );
  }
}
