// Reads a key object's attributes and describes it: type, size, SPKI fingerprint, KCV, and the
// provenance attributes an auditor looks at.
import type { KeyClass, KeyInfo } from '../types';
import { formatPkcs11Uri } from '../uri';
import { CKA_PUBLIC_KEY_INFO, CKK_EC_EDWARDS, P, nameOf } from './constants';
import { KEY_SPECS, specFromEcParams } from './keytypes';
import type { KeySpec } from './keytypes';
import {
  publicKeyFromEcPoint,
  publicKeyFromRsa,
  sha256Hex,
  spkiDer,
  unwrapEcPoint,
} from './public-key';

export const INVENTORY_ATTRIBUTES = [
  P.CKA_CLASS,
  P.CKA_KEY_TYPE,
  P.CKA_LABEL,
  P.CKA_ID,
  P.CKA_TOKEN,
  P.CKA_LOCAL,
  P.CKA_NEVER_EXTRACTABLE,
  P.CKA_ALWAYS_SENSITIVE,
  P.CKA_EXTRACTABLE,
  P.CKA_SENSITIVE,
  P.CKA_SIGN,
  P.CKA_VERIFY,
  P.CKA_ENCRYPT,
  P.CKA_DECRYPT,
  P.CKA_WRAP,
  P.CKA_UNWRAP,
  P.CKA_DERIVE,
  P.CKA_EC_PARAMS,
  P.CKA_EC_POINT,
  P.CKA_MODULUS,
  P.CKA_PUBLIC_EXPONENT,
  P.CKA_VALUE_LEN,
  CKA_PUBLIC_KEY_INFO,
] as const;

export type RawAttributes = Map<number, Uint8Array | null>;

export function toMap(
  values: (Uint8Array | null)[],
  types: readonly number[] = INVENTORY_ATTRIBUTES,
): RawAttributes {
  return new Map(types.map((t, i) => [t, values[i] ?? null]));
}

const b = (v: Uint8Array | null | undefined): boolean | null =>
  v && v.length > 0 ? v[0] !== 0 : null;
const ulong = (v: Uint8Array | null | undefined): number | null => {
  if (!v || v.length === 0) return null;
  const buf = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v.length >= 8 ? Number(buf.readBigUInt64LE(0)) : buf.readUInt32LE(0);
};
const text = (v: Uint8Array | null | undefined): string =>
  v ? Buffer.from(v).toString('utf8') : '';
const hex = (v: Uint8Array | null | undefined): string => (v ? Buffer.from(v).toString('hex') : '');

export function keyClassOf(attrs: RawAttributes): KeyClass | null {
  switch (ulong(attrs.get(P.CKA_CLASS))) {
    case P.CKO_PRIVATE_KEY:
      return 'private';
    case P.CKO_PUBLIC_KEY:
      return 'public';
    case P.CKO_SECRET_KEY:
      return 'secret';
    default:
      return null;
  }
}

export function specOf(attrs: RawAttributes): KeySpec | null {
  const kt = ulong(attrs.get(P.CKA_KEY_TYPE));
  if (kt === P.CKK_EC || kt === CKK_EC_EDWARDS)
    return specFromEcParams(hex(attrs.get(P.CKA_EC_PARAMS)));
  if (kt === P.CKK_RSA) {
    const n = attrs.get(P.CKA_MODULUS);
    const bits = n ? bitLength(n) : 0;
    return Object.values(KEY_SPECS).find((s) => s.family === 'rsa' && s.bits === bits) ?? null;
  }
  if (kt === P.CKK_AES) {
    const len = ulong(attrs.get(P.CKA_VALUE_LEN));
    return (
      Object.values(KEY_SPECS).find((s) => s.family === 'aes' && s.bits === (len ?? 0) * 8) ?? null
    );
  }
  return null;
}

function bitLength(n: Uint8Array): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!));
}

/** SPKI DER for a public key, or a private key that carries its public half. */
export function spkiOf(attrs: RawAttributes, spec: KeySpec | null): Buffer | null {
  const info = attrs.get(CKA_PUBLIC_KEY_INFO);
  if (info && info.length > 0) return Buffer.from(info);
  if (!spec) return null;
  try {
    if (spec.family === 'rsa') {
      const n = attrs.get(P.CKA_MODULUS);
      const e = attrs.get(P.CKA_PUBLIC_EXPONENT);
      return n && e ? spkiDer(publicKeyFromRsa(n, e)) : null;
    }
    if (spec.family === 'ec' || spec.family === 'ed') {
      const point = attrs.get(P.CKA_EC_POINT);
      return point ? spkiDer(publicKeyFromEcPoint(unwrapEcPoint(point, spec), spec)) : null;
    }
  } catch {
    return null;
  }
  return null;
}

export interface DescribeContext {
  tokenLabel: string;
  /** SPKI of the key pair's other half, for private keys that do not carry their public key. */
  pairedSpki?: Buffer | null;
  kcv?: string | null;
  /** What the caller knows the key to be, for modules that leave attributes empty (SoftHSM
   * reports CKA_VALUE_LEN 0 for an unwrapped AES key). Attributes the module gives win. */
  spec?: KeySpec | null;
}

export function describeKey(attrs: RawAttributes, ctx: DescribeContext): KeyInfo {
  const cls = keyClassOf(attrs) ?? 'secret';
  const spec = specOf(attrs) ?? ctx.spec ?? null;
  const spki = cls === 'secret' ? null : (spkiOf(attrs, spec) ?? ctx.pairedSpki ?? null);
  const label = text(attrs.get(P.CKA_LABEL));
  const id = attrs.get(P.CKA_ID) ?? new Uint8Array();
  const kt = ulong(attrs.get(P.CKA_KEY_TYPE));
  return {
    label,
    id: hex(id),
    class: cls,
    type: spec?.type ?? (kt === null ? 'unknown' : nameOf('CKK_', kt)),
    sizeBits: spec?.bits ?? null,
    curve: spec?.curve ?? null,
    spkiSha256: spki ? sha256Hex(spki) : null,
    kcv: ctx.kcv ?? null,
    provenance: {
      local: b(attrs.get(P.CKA_LOCAL)),
      neverExtractable: cls === 'public' ? null : b(attrs.get(P.CKA_NEVER_EXTRACTABLE)),
      alwaysSensitive: cls === 'public' ? null : b(attrs.get(P.CKA_ALWAYS_SENSITIVE)),
      extractable: b(attrs.get(P.CKA_EXTRACTABLE)),
      sensitive: cls === 'public' ? null : b(attrs.get(P.CKA_SENSITIVE)),
    },
    usage: {
      sign: b(attrs.get(P.CKA_SIGN)) ?? false,
      verify: b(attrs.get(P.CKA_VERIFY)) ?? false,
      encrypt: b(attrs.get(P.CKA_ENCRYPT)) ?? false,
      decrypt: b(attrs.get(P.CKA_DECRYPT)) ?? false,
      wrap: b(attrs.get(P.CKA_WRAP)) ?? false,
      unwrap: b(attrs.get(P.CKA_UNWRAP)) ?? false,
      derive: b(attrs.get(P.CKA_DERIVE)) ?? false,
    },
    token: b(attrs.get(P.CKA_TOKEN)) ?? false,
    uri: formatPkcs11Uri({
      token: ctx.tokenLabel,
      object: label,
      type: cls === 'secret' ? 'secret-key' : cls,
      ...(id.length > 0 ? { id } : {}),
    }),
  };
}
