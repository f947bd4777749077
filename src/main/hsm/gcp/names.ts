// Cloud KMS resource names from gcpkms:// addresses, and the algorithms this tool maps to its
// own key types (the import-job algorithms of a PKCS#11 key, and local verification).
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { KeyType, SignAlgorithm } from '../types';
import { formatKeyAddress, parseKeyAddress } from '../key-address';
import type { KeyAddress } from '../key-address';

export type GcpAddress = Extract<KeyAddress, { scheme: 'gcpkms' }>;

/** A gcpkms:// address, or the parent levels of one (keyRings/R, locations/L). */
export interface GcpLocation {
  project: string;
  location: string;
}

const invalid = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

export function parseGcpAddress(text: string): GcpAddress {
  const a = parseKeyAddress(text);
  if (a.scheme !== 'gcpkms')
    throw invalid(`Expected a gcpkms:// address for Cloud KMS, got a ${a.scheme} address.`);
  return a;
}

/**
 * `gcpkms://projects/P/locations/L/keyRings/R` (a key ring; parseKeyAddress wants a key, so the
 * ring is read by completing it with a placeholder key and checking the same rules).
 */
export function parseKeyRingAddress(text: string): GcpLocation & { keyRing: string } {
  const trimmed = text.replace(/\/+$/, '');
  if (!/^gcpkms:\/\/projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+$/i.test(trimmed))
    throw invalid('A Cloud KMS key ring address is gcpkms://projects/P/locations/L/keyRings/R.');
  const a = parseGcpAddress(`${trimmed}/cryptoKeys/placeholder`);
  return { project: a.project, location: a.location, keyRing: a.keyRing };
}

/** `gcpkms://projects/P/locations/L`, where key rings live. */
export function parseLocationAddress(text: string): GcpLocation {
  const trimmed = text.replace(/\/+$/, '');
  if (!/^gcpkms:\/\/projects\/[^/]+\/locations\/[^/]+$/i.test(trimmed))
    throw invalid('A Cloud KMS location address is gcpkms://projects/P/locations/L.');
  const a = parseGcpAddress(`${trimmed}/keyRings/placeholder/cryptoKeys/placeholder`);
  return { project: a.project, location: a.location };
}

export function locationName(a: GcpLocation): string {
  return `projects/${a.project}/locations/${a.location}`;
}
export function keyRingName(a: GcpLocation & { keyRing: string }): string {
  return `${locationName(a)}/keyRings/${a.keyRing}`;
}
export function cryptoKeyName(a: GcpAddress): string {
  return `${keyRingName(a)}/cryptoKeys/${a.cryptoKey}`;
}
export function versionName(a: GcpAddress): string {
  if (!a.version)
    throw invalid(
      'This needs a key version: gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V.',
    );
  return `${cryptoKeyName(a)}/cryptoKeyVersions/${a.version}`;
}

/** projects/…/cryptoKeyVersions/3 → gcpkms://projects/…/cryptoKeyVersions/3 */
export function addressOf(resourceName: string): string {
  return formatKeyAddress(parseGcpAddress(`gcpkms://${resourceName}`));
}

/** Cloud KMS signing algorithms and the key types they hold. */
export const SIGN_ALGORITHMS = {
  EC_SIGN_P256_SHA256: { type: 'ec-p256', sign: 'ecdsa-sha256', digest: 'sha256' },
  EC_SIGN_P384_SHA384: { type: 'ec-p384', sign: 'ecdsa-sha384', digest: 'sha384' },
  EC_SIGN_SECP256K1_SHA256: { type: 'ec-secp256k1', sign: 'ecdsa-sha256', digest: 'sha256' },
  // Ed25519 signs the message itself: KMS takes `data`, not a digest.
  EC_SIGN_ED25519: { type: 'ed25519', sign: 'eddsa', digest: null },
  RSA_SIGN_PKCS1_2048_SHA256: { type: 'rsa-2048', sign: 'rsa-pkcs1-sha256', digest: 'sha256' },
  RSA_SIGN_PKCS1_3072_SHA256: { type: 'rsa-3072', sign: 'rsa-pkcs1-sha256', digest: 'sha256' },
  RSA_SIGN_PKCS1_4096_SHA256: { type: 'rsa-4096', sign: 'rsa-pkcs1-sha256', digest: 'sha256' },
  RSA_SIGN_PSS_2048_SHA256: { type: 'rsa-2048', sign: 'rsa-pss-sha256', digest: 'sha256' },
  RSA_SIGN_PSS_3072_SHA256: { type: 'rsa-3072', sign: 'rsa-pss-sha256', digest: 'sha256' },
  RSA_SIGN_PSS_4096_SHA256: { type: 'rsa-4096', sign: 'rsa-pss-sha256', digest: 'sha256' },
} as const satisfies Record<
  string,
  { type: KeyType; sign: SignAlgorithm; digest: 'sha256' | 'sha384' | null }
>;
export type SignAlgorithmName = keyof typeof SIGN_ALGORITHMS;

export function isSignAlgorithm(name: string): name is SignAlgorithmName {
  return Object.hasOwn(SIGN_ALGORITHMS, name);
}

/** The algorithm a PKCS#11 key of `type` is imported as (PKCS#1 v1.5 for RSA), or null. */
export function importAlgorithmFor(type: KeyType): SignAlgorithmName | null {
  const found = Object.entries(SIGN_ALGORITHMS).find(
    ([name, a]) => a.type === type && !name.includes('_PSS_'),
  );
  return (found?.[0] as SignAlgorithmName | undefined) ?? null;
}

/** The enum value as a name, whether the SDK hands back a name or a number. */
export function enumName(value: unknown, values: Record<string, string | number>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    const found = Object.entries(values).find(([, v]) => v === value);
    return found?.[0] ?? String(value);
  }
  return 'UNSPECIFIED';
}
