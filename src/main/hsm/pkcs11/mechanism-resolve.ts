// The mechanism number a given module needs for each abstract mechanism the app uses, from the
// token's mechanism list (less what the site withholds), the standard numbers and the vendor
// profile's quirks. RFC 5649 key wrap, whose numbers mean different things per module and may
// need a known-answer probe, is resolved by kwp-resolve.ts; everything else is decided here, and
// signPlan (mechanisms.ts) takes its ECDSA and EdDSA choice from here. When nothing fits: error
// 104 naming what the token lacks and what it offers for the same purpose.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { VendorProfile } from '../vendors';
import { CKM_EDDSA, CKM_RSA_AES_KEY_WRAP, P } from './constants';
import type { MechanismSet } from './mechanisms';

export const ABSTRACT_MECHANISMS = [
  'rsa-oaep-sha1',
  'rsa-oaep-sha256',
  'rsa-aes-key-wrap',
  'ecdsa-sha256',
  'ecdsa-sha384',
  'ecdsa-sha512',
  'eddsa',
] as const;
export type AbstractMechanism = (typeof ABSTRACT_MECHANISMS)[number];

export interface ResolvedMechanism {
  abstract: AbstractMechanism;
  /** The number sent to the module. */
  mechanism: number;
  /** e.g. `CKM_ECDSA (0x1041)`. */
  name: string;
  /**
   * list: the token lists the mechanism itself; software-hash: the raw mechanism over a hash made
   * in software (no hashed ECDSA listed); composed: built from OAEP and RFC 5649 on the token.
   */
  decidedBy: 'list' | 'software-hash' | 'composed';
  /** For rsa-aes-key-wrap: whether the token lists CKM_RSA_AES_KEY_WRAP itself (not used; see rsa-aes.ts). */
  nativeListed?: boolean;
}

const hex = (n: number): string => `0x${n.toString(16).toUpperCase()}`;

const NAMES: Record<number, string> = {
  [P.CKM_RSA_PKCS]: 'CKM_RSA_PKCS',
  [P.CKM_RSA_PKCS_OAEP]: 'CKM_RSA_PKCS_OAEP',
  [CKM_RSA_AES_KEY_WRAP]: 'CKM_RSA_AES_KEY_WRAP',
  [P.CKM_ECDSA]: 'CKM_ECDSA',
  [P.CKM_ECDSA_SHA256]: 'CKM_ECDSA_SHA256',
  [P.CKM_ECDSA_SHA384]: 'CKM_ECDSA_SHA384',
  [P.CKM_ECDSA_SHA512]: 'CKM_ECDSA_SHA512',
  [CKM_EDDSA]: 'CKM_EDDSA',
};
export const mechanismName = (m: number): string => `${NAMES[m] ?? 'mechanism'} (${hex(m)})`;

const ECDSA_HASHED = {
  'ecdsa-sha256': P.CKM_ECDSA_SHA256,
  'ecdsa-sha384': P.CKM_ECDSA_SHA384,
  'ecdsa-sha512': P.CKM_ECDSA_SHA512,
} as const;

/** What the abstract mechanism is for, in an officer's words, and the numbers that would do. */
const PURPOSE: Record<AbstractMechanism, [string, number[]]> = {
  'rsa-oaep-sha1': ['RSA-OAEP with SHA-1', [P.CKM_RSA_PKCS_OAEP]],
  'rsa-oaep-sha256': ['RSA-OAEP with SHA-256', [P.CKM_RSA_PKCS_OAEP]],
  'rsa-aes-key-wrap': ['RSA-AES key wrap', [CKM_RSA_AES_KEY_WRAP, P.CKM_RSA_PKCS_OAEP]],
  'ecdsa-sha256': ['ECDSA with SHA-256', [P.CKM_ECDSA_SHA256, P.CKM_ECDSA]],
  'ecdsa-sha384': ['ECDSA with SHA-384', [P.CKM_ECDSA_SHA384, P.CKM_ECDSA]],
  'ecdsa-sha512': ['ECDSA with SHA-512', [P.CKM_ECDSA_SHA512, P.CKM_ECDSA]],
  eddsa: ['EdDSA (Ed25519)', [CKM_EDDSA]],
};

/** Every mechanism of the same family the token offers with `flag`, for a refusal. */
function offered(abstract: AbstractMechanism, mechs: MechanismSet, flag: number): string[] {
  const family =
    abstract.startsWith('ecdsa') || abstract === 'eddsa'
      ? [P.CKM_ECDSA, P.CKM_ECDSA_SHA256, P.CKM_ECDSA_SHA384, P.CKM_ECDSA_SHA512, CKM_EDDSA]
      : [P.CKM_RSA_PKCS_OAEP, CKM_RSA_AES_KEY_WRAP, P.CKM_RSA_PKCS];
  return family.filter((m) => mechs.has(m, flag)).map(mechanismName);
}

function refuse(
  abstract: AbstractMechanism,
  mechs: MechanismSet,
  flag: number,
  tokenName: string,
  why?: string,
): OlocusError {
  const [purpose, numbers] = PURPOSE[abstract];
  const role = flag === P.CKF_SIGN ? 'signing' : flag === P.CKF_WRAP ? 'wrapping' : 'unwrapping';
  const there = offered(abstract, mechs, flag);
  const held = numbers.filter((m) => mechs.withheld(m, flag)).map(mechanismName);
  return new OlocusError(
    ErrorCode.MECHANISM_UNSUPPORTED,
    `${tokenName} offers no ${purpose} for ${role}: ${why ?? `it lacks ${numbers.map(mechanismName).join(' and ')}`}${held.length ? ` (${held.join(', ')} listed but withheld by the site)` : ''}; it offers ${there.length ? there.join(', ') : 'nothing of that family'}.`,
  );
}

/**
 * The number for `abstract` with `flag` (CKF_SIGN, CKF_WRAP or CKF_UNWRAP). The vendor profile
 * says what a list hides: OAEP hashes a module refuses although it lists OAEP.
 */
export function resolveMechanism(
  abstract: AbstractMechanism,
  mechs: MechanismSet,
  vendor: VendorProfile | null,
  flag: number,
  tokenName: string,
): ResolvedMechanism {
  const done = (
    mechanism: number,
    decidedBy: ResolvedMechanism['decidedBy'],
    extra: Partial<ResolvedMechanism> = {},
  ): ResolvedMechanism => ({
    abstract,
    mechanism,
    name: mechanismName(mechanism),
    decidedBy,
    ...extra,
  });
  switch (abstract) {
    case 'rsa-oaep-sha1':
    case 'rsa-oaep-sha256': {
      if (!mechs.has(P.CKM_RSA_PKCS_OAEP, flag)) throw refuse(abstract, mechs, flag, tokenName);
      const hashes = vendor?.quirks.oaepHashes;
      const hash = abstract === 'rsa-oaep-sha1' ? 'sha1' : 'sha256';
      if (hashes && !hashes.includes(hash))
        throw refuse(
          abstract,
          mechs,
          flag,
          tokenName,
          `it lists CKM_RSA_PKCS_OAEP, but the ${vendor!.name} profile says it accepts only ${hashes.map((h) => h.toUpperCase().replace('SHA', 'SHA-')).join(', ')} in its parameters`,
        );
      return done(P.CKM_RSA_PKCS_OAEP, 'list');
    }
    case 'rsa-aes-key-wrap': {
      // Always composed (OAEP for an ephemeral AES key, then RFC 5649 under it), so one format
      // works between any two modules; a listed native mechanism is reported, not used.
      if (!mechs.has(P.CKM_RSA_PKCS_OAEP, flag))
        throw refuse(
          abstract,
          mechs,
          flag,
          tokenName,
          'it lacks CKM_RSA_PKCS_OAEP, from which the app composes it',
        );
      return done(P.CKM_RSA_PKCS_OAEP, 'composed', {
        name: `${mechanismName(P.CKM_RSA_PKCS_OAEP)} + RFC 5649`,
        nativeListed: mechs.has(CKM_RSA_AES_KEY_WRAP, flag),
      });
    }
    case 'ecdsa-sha256':
    case 'ecdsa-sha384':
    case 'ecdsa-sha512': {
      const hashed = ECDSA_HASHED[abstract];
      if (mechs.has(hashed, flag)) return done(hashed, 'list');
      if (mechs.has(P.CKM_ECDSA, flag)) return done(P.CKM_ECDSA, 'software-hash');
      throw refuse(abstract, mechs, flag, tokenName);
    }
    case 'eddsa':
      if (mechs.has(CKM_EDDSA, flag)) return done(CKM_EDDSA, 'list');
      throw refuse(abstract, mechs, flag, tokenName);
  }
}
