// Chooses mechanisms from what the token says it supports (C_GetMechanismList/Info): the
// hashed mechanism when present, otherwise hash in software and use the raw one. No vendor
// is special-cased here.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { CipherAlgorithm, SignAlgorithm, WrapAlgorithm } from '../types';
import { CKM_AES_KEY_WRAP_PAD, CKZ_DATA_SPECIFIED, P, nameOf } from './constants';
import type { KeySpec } from './keytypes';
import { resolveMechanism } from './mechanism-resolve';
import type { AbstractMechanism } from './mechanism-resolve';
import { coordinateBytes } from './keytypes';
import type { Mech, Prehash } from './protocol';

type Hash = Prehash['hash'];

/**
 * The token's mechanism list. Numbers the site withholds (vendor-site.ts, withheldMechanisms)
 * are absent for every choice the app makes, and only `withheld` still reports them, so that a
 * refusal can say the token lists them.
 */
export class MechanismSet {
  private readonly flags = new Map<number, number>();
  private readonly held: ReadonlySet<number>;
  constructor(list: { type: number; flags: number }[], withheld: readonly number[] = []) {
    for (const m of list) this.flags.set(m.type, m.flags);
    this.held = new Set(withheld);
  }
  private listed(mech: number, flag?: number): boolean {
    const f = this.flags.get(mech);
    return f !== undefined && (flag === undefined || (f & flag) !== 0);
  }
  has(mech: number, flag?: number): boolean {
    return !this.held.has(mech) && this.listed(mech, flag);
  }
  /** Listed by the token (with `flag`) but withheld by the site. */
  withheld(mech: number, flag?: number): boolean {
    return this.held.has(mech) && this.listed(mech, flag);
  }
}

const HASH_MECH: Record<Hash, number> = {
  sha1: P.CKM_SHA_1,
  sha256: P.CKM_SHA256,
  sha384: P.CKM_SHA384,
  sha512: P.CKM_SHA512,
};
const MGF: Record<Hash, number> = {
  sha1: P.CKG_MGF1_SHA1,
  sha256: P.CKG_MGF1_SHA256,
  sha384: P.CKG_MGF1_SHA384,
  sha512: P.CKG_MGF1_SHA512,
};
const HASH_LEN: Record<Hash, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
const RSA_PKCS_HASHED: Partial<Record<Hash, number>> = {
  sha256: P.CKM_SHA256_RSA_PKCS,
  sha384: P.CKM_SHA384_RSA_PKCS,
  sha512: P.CKM_SHA512_RSA_PKCS,
};
const RSA_PSS_HASHED: Partial<Record<Hash, number>> = {
  sha256: P.CKM_SHA256_RSA_PKCS_PSS,
  sha384: P.CKM_SHA384_RSA_PKCS_PSS,
  sha512: P.CKM_SHA512_RSA_PKCS_PSS,
};
/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1) for signing a software hash with CKM_RSA_PKCS. */
const DIGEST_INFO: Partial<Record<Hash, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

export interface SignPlan {
  mech: Mech;
  /** Hash the data in software first (on the worker), optionally behind a DigestInfo prefix. */
  prehash?: Prehash;
  outLen: number;
  mechanismName: string;
  hashedInSoftware: boolean;
}

function unsupported(what: string, tried: number[]): OlocusError {
  return new OlocusError(
    ErrorCode.MECHANISM_UNSUPPORTED,
    `The token supports none of the mechanisms for ${what} (${tried.map((m) => nameOf('CKM_', m)).join(', ')}).`,
  );
}

function hashOf(alg: SignAlgorithm): Hash {
  const h = alg.split('-').pop();
  return (h === 'sha384' || h === 'sha512' ? h : 'sha256') as Hash;
}

export function algorithmFits(alg: SignAlgorithm, spec: KeySpec): boolean {
  if (alg.startsWith('ecdsa')) return spec.family === 'ec';
  if (alg === 'eddsa') return spec.family === 'ed';
  return spec.family === 'rsa';
}

export function signPlan(
  alg: SignAlgorithm,
  spec: KeySpec,
  mechs: MechanismSet,
  flag: number,
  tokenName = 'The token',
): SignPlan {
  if (!algorithmFits(alg, spec)) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${alg} cannot be used with a ${spec.type} key.`,
    );
  }
  if (alg === 'eddsa' || alg.startsWith('ecdsa')) {
    // The number comes from the one resolver of abstract mechanisms (mechanism-resolve.ts).
    const r = resolveMechanism(alg as AbstractMechanism, mechs, null, flag, tokenName);
    const outLen = alg === 'eddsa' ? 64 : 2 * coordinateBytes(spec);
    return {
      mech: { mechanism: r.mechanism },
      ...(r.decidedBy === 'software-hash' ? { prehash: { hash: hashOf(alg) } } : {}),
      outLen,
      mechanismName: r.name.replace(/ \(0x[0-9A-F]+\)$/, ''),
      hashedInSoftware: r.decidedBy === 'software-hash',
    };
  }
  const h = hashOf(alg);
  const outLen = spec.bits / 8;
  if (alg.startsWith('rsa-pss')) {
    const parameter = {
      type: P.CK_PARAMS_RSA_PSS,
      hashAlg: HASH_MECH[h],
      mgf: MGF[h],
      saltLen: HASH_LEN[h],
    };
    const hashed = RSA_PSS_HASHED[h]!;
    if (mechs.has(hashed, flag))
      return {
        mech: { mechanism: hashed, parameter },
        outLen,
        mechanismName: nameOf('CKM_', hashed),
        hashedInSoftware: false,
      };
    if (mechs.has(P.CKM_RSA_PKCS_PSS, flag))
      return {
        mech: { mechanism: P.CKM_RSA_PKCS_PSS, parameter },
        prehash: { hash: h },
        outLen,
        mechanismName: 'CKM_RSA_PKCS_PSS',
        hashedInSoftware: true,
      };
    throw unsupported(alg, [hashed, P.CKM_RSA_PKCS_PSS]);
  }
  const hashed = RSA_PKCS_HASHED[h]!;
  if (mechs.has(hashed, flag))
    return {
      mech: { mechanism: hashed },
      outLen,
      mechanismName: nameOf('CKM_', hashed),
      hashedInSoftware: false,
    };
  if (mechs.has(P.CKM_RSA_PKCS, flag)) {
    const prefix = Buffer.from(DIGEST_INFO[h]!, 'hex');
    return {
      mech: { mechanism: P.CKM_RSA_PKCS },
      prehash: { hash: h, prefix },
      outLen,
      mechanismName: 'CKM_RSA_PKCS',
      hashedInSoftware: true,
    };
  }
  throw unsupported(alg, [hashed, P.CKM_RSA_PKCS]);
}

export function oaepMech(h: Hash): Mech {
  return {
    mechanism: P.CKM_RSA_PKCS_OAEP,
    parameter: {
      type: P.CK_PARAMS_RSA_OAEP,
      hashAlg: HASH_MECH[h],
      mgf: MGF[h],
      source: CKZ_DATA_SPECIFIED,
    },
  };
}

export function cipherMech(alg: CipherAlgorithm, iv?: Uint8Array): Mech {
  switch (alg) {
    case 'rsa-oaep-sha1':
      return oaepMech('sha1');
    case 'rsa-oaep-sha256':
      return oaepMech('sha256');
    case 'aes-gcm':
      return {
        mechanism: P.CKM_AES_GCM,
        parameter: {
          type: P.CK_PARAMS_AES_GCM_v240,
          iv,
          ivBits: (iv?.length ?? 12) * 8,
          tagBits: 128,
        },
      };
    case 'aes-cbc-pad':
      return { mechanism: P.CKM_AES_CBC_PAD, parameter: iv };
  }
}

export function wrapMech(alg: WrapAlgorithm): Mech {
  switch (alg) {
    case 'aes-kwp':
      return { mechanism: CKM_AES_KEY_WRAP_PAD };
    case 'rsa-oaep-sha1':
      return oaepMech('sha1');
    case 'rsa-oaep-sha256':
      return oaepMech('sha256');
  }
}
