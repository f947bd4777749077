// Which mechanism number means RFC 5649 (AES key wrap with padding) on a given module. PKCS#11
// 3.0 names it CKM_AES_KEY_WRAP_KWP (0x210B); 0x210A (CKM_AES_KEY_WRAP_PAD) is RFC 5649 on
// SoftHSM 2.6 but RFC 3394 + PKCS#7 padding on NSS softoken; Luna and CloudHSM use vendor
// numbers. The choice comes from the mechanism list and the vendor profile, and a number whose
// meaning the profile does not state is settled by a known-answer probe on the token.
import { createCipheriv } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { VendorProfile } from '../vendors';
import { CKM_AES_KEY_WRAP_PAD, P } from './constants';
import type { MechanismSet } from './mechanisms';

export const CKM_AES_KEY_WRAP_KWP = 0x210b;

export interface ResolvedKwp {
  /** The number sent to the module for RFC 5649. */
  mechanism: number;
  /** e.g. `CKM_AES_KEY_WRAP_KWP (0x210B)`. */
  name: string;
  /** How the number was chosen: the standard number listed, the vendor profile, or a probe. */
  decidedBy: 'list' | 'profile' | 'probe';
}

/** Wraps `key` under the KEK `kek` with `mechanism` on the token; null when the module refuses. */
export type KwpProbe = (
  mechanism: number,
  kek: Uint8Array,
  key: Uint8Array,
) => Promise<Uint8Array | null>;

const hex = (n: number): string => `0x${n.toString(16).toUpperCase()}`;

function nameOfKwp(mechanism: number, vendor: VendorProfile | null): string {
  if (mechanism === CKM_AES_KEY_WRAP_KWP) return `CKM_AES_KEY_WRAP_KWP (${hex(mechanism)})`;
  if (mechanism === CKM_AES_KEY_WRAP_PAD) return `CKM_AES_KEY_WRAP_PAD (${hex(mechanism)})`;
  const vendorName = Object.entries(vendor?.quirks.vendorMechanisms ?? {}).find(
    ([, n]) => n === mechanism,
  )?.[0];
  return `${vendorName ?? 'vendor mechanism'} (${hex(mechanism)})`;
}

/** RFC 5649 computed in software (OpenSSL's id-aesNNN-wrap-pad), for the known-answer probe. */
export function rfc5649(kek: Uint8Array, key: Uint8Array): Buffer {
  const cipher = createCipheriv(
    `id-aes${kek.length * 8}-wrap-pad`,
    kek,
    Buffer.from('a65959a6', 'hex'),
  );
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

// Fixed probe values: neither is a secret, they only exist for the probe's session objects.
const PROBE_KEK = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const PROBE_KEY = Buffer.from('00112233445566778899aabbccddeeff0001020304050607', 'hex');

async function probeSays(probe: KwpProbe, mechanism: number): Promise<boolean | null> {
  const got = await probe(mechanism, Buffer.from(PROBE_KEK), Buffer.from(PROBE_KEY));
  if (!got) return null;
  return Buffer.compare(Buffer.from(got), rfc5649(PROBE_KEK, PROBE_KEY)) === 0;
}

/**
 * The RFC 5649 mechanism for `flag` (CKF_WRAP or CKF_UNWRAP). Order: a vendor number the profile
 * names as RFC 5649 and the token lists; the standard 0x210B; 0x210A only where the profile says
 * it means RFC 5649. A probe, when given, checks the profile's claim (a contradiction is an
 * error) and decides a listed 0x210A the profile says nothing about. Error 104 when none fits.
 */
export async function resolveKwp(
  mechs: MechanismSet,
  vendor: VendorProfile | null,
  flag: number,
  tokenName: string,
  probe?: KwpProbe,
): Promise<ResolvedKwp> {
  const claimed = vendor?.quirks.rfc5649;
  const has = (m: number) => mechs.has(m, flag);
  const done = (mechanism: number, decidedBy: ResolvedKwp['decidedBy']): ResolvedKwp => ({
    mechanism,
    name: nameOfKwp(mechanism, vendor),
    decidedBy,
  });
  if (claimed !== undefined && has(claimed)) {
    const verdict = probe ? await probeSays(probe, claimed) : null;
    if (verdict === false)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `The ${vendor!.name} profile${vendor!.siteQuirks ? ` (as corrected by ${vendor!.siteQuirks})` : ''} says ${nameOfKwp(claimed, vendor)} is RFC 5649 key wrap, but a known-answer test on ${tokenName} gave a different result, so no key is wrapped with it.`,
      );
    return done(claimed, verdict ? 'probe' : 'profile');
  }
  if (has(CKM_AES_KEY_WRAP_KWP)) return done(CKM_AES_KEY_WRAP_KWP, 'list');
  if (claimed === undefined && probe && has(CKM_AES_KEY_WRAP_PAD)) {
    if ((await probeSays(probe, CKM_AES_KEY_WRAP_PAD)) === true)
      return done(CKM_AES_KEY_WRAP_PAD, 'probe');
  }
  const named = (m: number) =>
    m === P.CKM_AES_KEY_WRAP ? `CKM_AES_KEY_WRAP (${hex(m)})` : nameOfKwp(m, vendor);
  const candidates = [CKM_AES_KEY_WRAP_KWP, CKM_AES_KEY_WRAP_PAD, P.CKM_AES_KEY_WRAP as number]
    .concat(Object.values(vendor?.quirks.vendorMechanisms ?? {}))
    .filter((m, i, all) => all.indexOf(m) === i);
  const offered = candidates.filter(has).map(named);
  const held = candidates.filter((m) => mechs.withheld(m, flag)).map(named);
  throw new OlocusError(
    ErrorCode.MECHANISM_UNSUPPORTED,
    `${tokenName} offers no RFC 5649 AES key wrap for ${flag === P.CKF_WRAP ? 'wrapping' : 'unwrapping'} (neither CKM_AES_KEY_WRAP_KWP 0x210B nor a number its vendor profile names); it offers ${offered.length ? offered.join(', ') : 'no AES key-wrap mechanism'}${held.length ? `, and lists ${held.join(', ')}, which the site withholds (${vendor?.siteQuirks ?? 'vendor profile'})` : ''}.`,
  );
}
