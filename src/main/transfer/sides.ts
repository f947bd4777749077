// What each token of a migration can do, as the PKCS#11 layer resolves it (kwp-resolve.ts,
// mechanism-resolve.ts) and, for behaviour a mechanism list hides (SoftHSM lists KWP yet refuses
// Ed25519 keys), its vendor profile.
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
  const [info, token, kwp, rsaAes] = await Promise.all([
    provider.info(),
    provider.tokenInfo(),
    provider.resolvedKwp(role === 'source' ? 'wrap' : 'unwrap').then(
      (r) => ({ r, missing: null }),
      (e: unknown) => {
        if (e instanceof OlocusError) return { r: null, missing: e.message };
        throw e;
      },
    ),
    // RSA-AES key wrap is composed from OAEP (+ RFC 5649); the resolver says whether it can be.
    provider
      .resolveMechanism('rsa-aes-key-wrap', role === 'source' ? 'wrap' : 'unwrap')
      .catch((e: unknown) => {
        if (e instanceof OlocusError) return null;
        throw e;
      }),
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
    oaep: rsaAes !== null,
    rsaAesNative: rsaAes?.nativeListed ?? false,
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
