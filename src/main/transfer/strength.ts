// Comparable security strengths (NIST SP 800-57 Part 1 Rev. 5, Table 2; RSA-4096 from
// SP 800-56B Rev. 2, Appendix D) and the rule a wrap must satisfy: a key is never protected by
// something weaker than itself, so that a migration cannot quietly lower its strength.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeyType } from '../hsm/types';

export const STRENGTH_BITS: Record<KeyType, number> = {
  'aes-128': 128,
  'aes-256': 256,
  'rsa-2048': 112,
  'rsa-3072': 128,
  'rsa-4096': 152,
  'ec-p256': 128,
  'ec-secp256k1': 128,
  'ec-p384': 192,
  'ec-p521': 256,
  ed25519: 128,
};

export type TransportType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096';

/**
 * No RSA size this tool generates reaches 192 bits (that takes RSA-7680). For an RSA transport
 * key the rule is therefore "at least the key's strength, or the strongest transport we make
 * (RSA-4096, 152 bits)", and the result says when the transport is below the key. A symmetric
 * KEK has no such excuse (AES-256 always exists), so it must match or exceed the key.
 */
export const STRONGEST_TRANSPORT: TransportType = 'rsa-4096';

/** The transport key size the rule asks for: RSA-3072 up to 128-bit keys, RSA-4096 above. */
export function transportFor(keys: KeyType[]): TransportType {
  return keys.some((k) => STRENGTH_BITS[k] > STRENGTH_BITS['rsa-3072']) ? 'rsa-4096' : 'rsa-3072';
}

export interface StrengthVerdict {
  keyBits: number;
  wrapBits: number;
  /** True when the wrap is weaker than the key but allowed (RSA-4096 transport above 152 bits). */
  belowKey: boolean;
}

function describe(type: KeyType): string {
  return `${type.toUpperCase()} (${STRENGTH_BITS[type]} bits)`;
}

/**
 * Refuses (106) a wrap whose wrapping key is weaker than the key it protects. `wrapping` is the
 * KEK for kwp; for rsa-aes-kwp it is the RSA transport key (the ephemeral AES-256 key in between
 * is 256 bits and never the weaker link).
 */
export function checkWrapStrength(key: KeyType, wrapping: KeyType, label: string): StrengthVerdict {
  const keyBits = STRENGTH_BITS[key];
  const wrapBits = STRENGTH_BITS[wrapping];
  const rsa = wrapping.startsWith('rsa');
  const needed = rsa ? Math.min(keyBits, STRENGTH_BITS[STRONGEST_TRANSPORT]) : keyBits;
  if (wrapBits < needed) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Refusing to wrap "${label}", a ${describe(key)} key, under ${rsa ? 'an RSA transport key' : 'a KEK'} of ${describe(wrapping)}: SP 800-57 comparable strength of the wrapping key must be at least ${needed} bits${rsa && needed < keyBits ? ` (RSA-4096, the strongest transport this tool makes)` : ''}.`,
    );
  }
  return { keyBits, wrapBits, belowKey: wrapBits < keyBits };
}
