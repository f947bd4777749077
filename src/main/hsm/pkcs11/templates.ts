// Attribute templates with the safe defaults of a ceremony: private and secret keys live on the
// token, are sensitive and private, and are not extractable unless the caller asks.
import { createPublicKey } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { GenerateOptions, KeyType } from '../types';
import { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, P } from './constants';
import { KEY_SPECS } from './keytypes';
import type { Attr, Mech } from './protocol';

export type KeyUsage = 'sign' | 'encrypt' | 'wrap';

export interface TemplateOptions extends GenerateOptions {
  id: Uint8Array;
  /** Defaults: signing for asymmetric keys, encrypt + wrap for AES. */
  usage?: KeyUsage[];
  /**
   * Unwrap only: also set to false the usage flags the template would otherwise leave to the
   * module's defaults (SoftHSM makes an unwrapped AES key able to sign and verify), so that a
   * migrated or restored key can do no more than its source. On unless set to false.
   */
  strictUsage?: boolean;
}

/** A CK_DATE: eight ASCII digits YYYYMMDD of the UTC day. */
export function ckDate(d: Date): Uint8Array {
  return new Uint8Array(Buffer.from(d.toISOString().slice(0, 10).replace(/-/g, ''), 'ascii'));
}

function common(o: TemplateOptions): Attr[] {
  const t: Attr[] = [
    { type: P.CKA_TOKEN, value: o.token ?? true },
    { type: P.CKA_LABEL, value: o.label },
    { type: P.CKA_ID, value: o.id },
  ];
  if (o.startDate) t.push({ type: P.CKA_START_DATE, value: ckDate(o.startDate) });
  if (o.endDate) t.push({ type: P.CKA_END_DATE, value: ckDate(o.endDate) });
  return t;
}

function protectedPart(o: TemplateOptions): Attr[] {
  return [
    { type: P.CKA_PRIVATE, value: true },
    { type: P.CKA_SENSITIVE, value: true },
    { type: P.CKA_EXTRACTABLE, value: o.extractable ?? false },
  ];
}

export function keyPairTemplates(
  type: KeyType,
  o: TemplateOptions,
): { mech: Mech; publicTemplate: Attr[]; privateTemplate: Attr[] } {
  const spec = KEY_SPECS[type];
  const usage = new Set(o.usage ?? ['sign']);
  const pub: Attr[] = [...common(o), { type: P.CKA_PRIVATE, value: false }];
  const priv: Attr[] = [...common(o), ...protectedPart(o)];
  pub.push({ type: P.CKA_VERIFY, value: usage.has('sign') }, { type: P.CKA_DERIVE, value: false });
  priv.push({ type: P.CKA_SIGN, value: usage.has('sign') }, { type: P.CKA_DERIVE, value: false });
  if (spec.family === 'rsa') {
    pub.push(
      { type: P.CKA_MODULUS_BITS, value: spec.bits },
      { type: P.CKA_PUBLIC_EXPONENT, value: new Uint8Array([1, 0, 1]) },
      { type: P.CKA_ENCRYPT, value: usage.has('encrypt') },
      { type: P.CKA_WRAP, value: usage.has('wrap') },
    );
    priv.push(
      { type: P.CKA_DECRYPT, value: usage.has('encrypt') },
      { type: P.CKA_UNWRAP, value: usage.has('wrap') },
    );
    return {
      mech: { mechanism: P.CKM_RSA_PKCS_KEY_PAIR_GEN },
      publicTemplate: pub,
      privateTemplate: priv,
    };
  }
  const params = Buffer.from(spec.ecParams!, 'hex');
  pub.push({ type: P.CKA_EC_PARAMS, value: params });
  if (spec.family === 'ed') {
    pub.push({ type: P.CKA_KEY_TYPE, value: CKK_EC_EDWARDS });
    priv.push({ type: P.CKA_KEY_TYPE, value: CKK_EC_EDWARDS });
    return {
      mech: { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
      publicTemplate: pub,
      privateTemplate: priv,
    };
  }
  return { mech: { mechanism: P.CKM_EC_KEY_PAIR_GEN }, publicTemplate: pub, privateTemplate: priv };
}

export function secretKeyTemplate(
  type: KeyType,
  o: TemplateOptions,
): { mech: Mech; template: Attr[] } {
  const spec = KEY_SPECS[type];
  const usage = new Set(o.usage ?? ['encrypt', 'wrap']);
  return {
    mech: { mechanism: P.CKM_AES_KEY_GEN },
    template: [
      ...common(o),
      ...protectedPart(o),
      { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
      { type: P.CKA_VALUE_LEN, value: spec.bits / 8 },
      { type: P.CKA_ENCRYPT, value: usage.has('encrypt') },
      { type: P.CKA_DECRYPT, value: usage.has('encrypt') },
      { type: P.CKA_WRAP, value: usage.has('wrap') },
      { type: P.CKA_UNWRAP, value: usage.has('wrap') },
      { type: P.CKA_SIGN, value: false },
      { type: P.CKA_VERIFY, value: false },
      { type: P.CKA_DERIVE, value: false },
    ],
  };
}

/** Template for a key that arrives wrapped: as protected as a generated one. */
export function unwrapTemplate(
  type: KeyType,
  cls: 'private' | 'secret',
  o: TemplateOptions,
): Attr[] {
  const spec = KEY_SPECS[type];
  const keyType =
    spec.family === 'rsa'
      ? P.CKK_RSA
      : spec.family === 'ec'
        ? P.CKK_EC
        : spec.family === 'ed'
          ? CKK_EC_EDWARDS
          : P.CKK_AES;
  const t: Attr[] = [
    ...common(o),
    ...protectedPart(o),
    { type: P.CKA_CLASS, value: cls === 'private' ? P.CKO_PRIVATE_KEY : P.CKO_SECRET_KEY },
    { type: P.CKA_KEY_TYPE, value: keyType },
  ];
  const usage = new Set(o.usage ?? (cls === 'private' ? ['sign'] : ['encrypt', 'wrap']));
  if (cls === 'private') {
    t.push({ type: P.CKA_SIGN, value: usage.has('sign') });
    if (spec.family === 'rsa')
      t.push(
        { type: P.CKA_DECRYPT, value: usage.has('encrypt') },
        { type: P.CKA_UNWRAP, value: usage.has('wrap') },
      );
  } else {
    t.push(
      { type: P.CKA_ENCRYPT, value: usage.has('encrypt') },
      { type: P.CKA_DECRYPT, value: usage.has('encrypt') },
      { type: P.CKA_WRAP, value: usage.has('wrap') },
      { type: P.CKA_UNWRAP, value: usage.has('wrap') },
    );
    if (o.strictUsage !== false)
      t.push({ type: P.CKA_SIGN, value: false }, { type: P.CKA_VERIFY, value: false });
  }
  if (o.strictUsage !== false) t.push({ type: P.CKA_DERIVE, value: false });
  return t;
}

/** DER OCTET STRING around an EC point: how CKA_EC_POINT is encoded (PKCS#11 2.40 §2.3.3). */
function octetString(point: Uint8Array): Uint8Array {
  const len =
    point.length < 0x80 ? [point.length] : point.length < 0x100 ? [0x81, point.length] : null;
  if (!len) throw new Error('EC point too long');
  return new Uint8Array([0x04, ...len, ...point]);
}

/**
 * Template for a public key brought in from a DER SubjectPublicKeyInfo (a transport key made on
 * another HSM, or the public half of a migrated pair). node:crypto parses the SPKI, so no ASN.1
 * is read by hand; the key type comes from what it finds, never from the caller.
 */
export function publicKeyImportTemplate(
  spki: Uint8Array,
  o: TemplateOptions,
): { type: KeyType; template: Attr[] } {
  let jwk: JsonWebKey;
  try {
    jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
      format: 'jwk',
    });
  } catch (e) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The public key is not a DER SubjectPublicKeyInfo this tool can read (${(e as Error).message}).`,
    );
  }
  const usage = new Set(o.usage ?? ['sign']);
  const t: Attr[] = [
    ...common(o),
    { type: P.CKA_CLASS, value: P.CKO_PUBLIC_KEY },
    { type: P.CKA_PRIVATE, value: false },
    { type: P.CKA_VERIFY, value: usage.has('sign') },
    { type: P.CKA_DERIVE, value: false },
  ];
  const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');
  if (jwk.kty === 'RSA') {
    const n = b64(jwk.n);
    let i = 0;
    while (i < n.length && n[i] === 0) i++;
    const bits = (n.length - i) * 8;
    const spec = Object.values(KEY_SPECS).find((s) => s.family === 'rsa' && s.bits === bits);
    if (!spec)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `An RSA public key of ${bits} bits is not a key type this tool handles.`,
      );
    t.push(
      { type: P.CKA_KEY_TYPE, value: P.CKK_RSA },
      { type: P.CKA_MODULUS, value: n },
      { type: P.CKA_PUBLIC_EXPONENT, value: b64(jwk.e) },
      { type: P.CKA_ENCRYPT, value: usage.has('encrypt') },
      { type: P.CKA_WRAP, value: usage.has('wrap') },
    );
    return { type: spec.type, template: t };
  }
  const curve = jwk.kty === 'OKP' ? jwk.crv : jwk.kty === 'EC' ? jwk.crv : undefined;
  const spec = Object.values(KEY_SPECS).find((s) => s.curve === curve);
  if (!spec)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `A ${jwk.kty ?? 'unknown'} public key${curve ? ` on ${curve}` : ''} is not a key type this tool handles.`,
    );
  const point =
    spec.family === 'ed'
      ? b64(jwk.x)
      : Buffer.concat([Buffer.from([0x04]), b64(jwk.x), b64(jwk.y)]);
  t.push(
    { type: P.CKA_KEY_TYPE, value: spec.family === 'ed' ? CKK_EC_EDWARDS : P.CKK_EC },
    { type: P.CKA_EC_PARAMS, value: Buffer.from(spec.ecParams!, 'hex') },
    { type: P.CKA_EC_POINT, value: octetString(point) },
  );
  return { type: spec.type, template: t };
}
