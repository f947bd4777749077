// Attribute templates with the safe defaults of a ceremony: private and secret keys live on the
// token, are sensitive and private, and are not extractable unless the caller asks.
import type { GenerateOptions, KeyType } from '../types';
import { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, P } from './constants';
import { KEY_SPECS } from './keytypes';
import type { Attr, Mech } from './protocol';

export type KeyUsage = 'sign' | 'encrypt' | 'wrap';

export interface TemplateOptions extends GenerateOptions {
  id: Uint8Array;
  /** Defaults: signing for asymmetric keys, encrypt + wrap for AES. */
  usage?: KeyUsage[];
}

function common(o: TemplateOptions): Attr[] {
  return [
    { type: P.CKA_TOKEN, value: o.token ?? true },
    { type: P.CKA_LABEL, value: o.label },
    { type: P.CKA_ID, value: o.id },
  ];
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
  }
  return t;
}
