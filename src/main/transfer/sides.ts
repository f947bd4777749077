// What each token of a migration can do, from its mechanism list and, for behaviour a mechanism
// list hides (SoftHSM lists KWP yet refuses Ed25519 keys), its vendor profile.
import { CKM_RSA_AES_KEY_WRAP, P } from '../hsm/pkcs11/constants';
import type { ResolvedKwp } from '../hsm/pkcs11/kwp-resolve';
import { OlocusError } from '../../shared/errors';
import type { TokenProvider } from '../hsm/provider';
import type { KeyType, TokenInfo } from '../hsm/types';
import { detectVendor } from '../hsm/vendors';
import type { VendorProfile } from '../hsm/vendors';
import { moduleLock } from './object-lock';
import type { ModuleLock } from './object-lock';

export interface Side {
  provider: TokenProvider;
  /** `token "LABEL" (serial S)`, for messages. */
  name: string;
  token: TokenInfo;
  vendor: VendorProfile | null;
  /** The RFC 5649 mechanism this side uses (wrap on the source, unwrap on the target). */
  kwp: ResolvedKwp | null;
  /** Why kwp is null: the token's error 104 sentence (what it lacks and what it offers). */
  kwpMissing: string | null;
  oaep: boolean;
  rsaAesNative: boolean;
  /** Token objects are created and destroyed alone on the module (see object-lock.ts). */
  lock: ModuleLock;
}

export async function describeSide(
  provider: TokenProvider,
  role: 'source' | 'target',
): Promise<Side> {
  const flag = role === 'source' ? P.CKF_WRAP : P.CKF_UNWRAP;
  const [info, token, kwp, oaep, rsaAesNative] = await Promise.all([
    provider.info(),
    provider.tokenInfo(),
    provider.resolvedKwp(role === 'source' ? 'wrap' : 'unwrap').then(
      (r) => ({ r, missing: null }),
      (e: unknown) => {
        if (e instanceof OlocusError) return { r: null, missing: e.message };
        throw e;
      },
    ),
    provider.hasMechanism(P.CKM_RSA_PKCS_OAEP, flag),
    provider.hasMechanism(CKM_RSA_AES_KEY_WRAP, flag),
  ]);
  const vendor = detectVendor({
    libraryManufacturer: info.manufacturer,
    libraryDescription: info.description,
    tokenManufacturer: token.manufacturer,
    tokenModel: token.model,
  });
  return {
    provider,
    name: `token "${token.label}" (serial ${token.serial})`,
    token,
    vendor,
    kwp: kwp.r,
    kwpMissing: kwp.missing,
    oaep,
    rsaAesNative,
    lock: moduleLock(info.path),
  };
}

type WrapFamily = 'ed25519' | 'ec' | 'rsa' | 'aes';

function familyOf(type: KeyType): WrapFamily {
  if (type === 'ed25519') return 'ed25519';
  if (type.startsWith('ec')) return 'ec';
  if (type.startsWith('rsa')) return 'rsa';
  return 'aes';
}

/** Whether the side's vendor profile says its module cannot wrap or unwrap keys of this type. */
export function cannotWrap(side: Side, type: KeyType): boolean {
  return side.vendor?.quirks.cannotWrap?.includes(familyOf(type)) ?? false;
}

export function sameToken(a: Side, b: Side): boolean {
  return (
    a.token.serial === b.token.serial &&
    a.token.label === b.token.label &&
    a.token.manufacturer === b.token.manufacturer &&
    a.token.model === b.token.model
  );
}
