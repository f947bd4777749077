// The same key pair on several SoftHSM tokens: the key is made in software (node:crypto) and
// created on each token with C_CreateObject through a raw pkcs11js client, as a key loaded from
// known material. Call after a provider has opened the module (it initialises the library) and
// before any provider logs in to these tokens (closing the raw session logs the token out).
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { pkcs11js, rawClient } from './raw-pkcs11';
import { SOFTHSM_MODULE } from './softhsm';

const P256_OID = Buffer.from('06082a8648ce3d030107', 'hex');

export function makeKeyPair(type: 'ec-p256' | 'rsa-2048' | 'rsa-3072'): KeyObject {
  if (type === 'ec-p256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const bits = type === 'rsa-2048' ? 2048 : 3072;
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
}

const b64 = (s: string | undefined) => Buffer.from(s!, 'base64url');

export function importKeyPair(
  tokenLabel: string,
  userPin: string,
  label: string,
  key: KeyObject,
  modulePath = SOFTHSM_MODULE,
): void {
  const { raw, slot } = rawClient(modulePath, tokenLabel);
  const s = raw.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
  try {
    try {
      raw.C_Login(s, pkcs11js.CKU_USER, userPin);
    } catch (e) {
      if (!String(e).includes('CKR_USER_ALREADY_LOGGED_IN')) throw e;
    }
    const jwk = key.export({ format: 'jwk' });
    const id = Buffer.from(label, 'utf8');
    const common = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
    ];
    if (jwk.kty === 'EC') {
      const point = Buffer.concat([Buffer.from([4]), b64(jwk.x), b64(jwk.y)]);
      raw.C_CreateObject(s, [
        ...common,
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_EC_PARAMS, value: P256_OID },
        { type: pkcs11js.CKA_VALUE, value: b64(jwk.d) },
      ]);
      raw.C_CreateObject(s, [
        ...common,
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
        { type: pkcs11js.CKA_VERIFY, value: true },
        { type: pkcs11js.CKA_EC_PARAMS, value: P256_OID },
        { type: pkcs11js.CKA_EC_POINT, value: Buffer.concat([Buffer.from([4, 65]), point]) },
      ]);
      return;
    }
    raw.C_CreateObject(s, [
      ...common,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_MODULUS, value: b64(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b64(jwk.e) },
      { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: b64(jwk.d) },
      { type: pkcs11js.CKA_PRIME_1, value: b64(jwk.p) },
      { type: pkcs11js.CKA_PRIME_2, value: b64(jwk.q) },
      { type: pkcs11js.CKA_EXPONENT_1, value: b64(jwk.dp) },
      { type: pkcs11js.CKA_EXPONENT_2, value: b64(jwk.dq) },
      { type: pkcs11js.CKA_COEFFICIENT, value: b64(jwk.qi) },
    ]);
    raw.C_CreateObject(s, [
      ...common,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_MODULUS, value: b64(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b64(jwk.e) },
    ]);
  } finally {
    raw.C_CloseSession(s);
  }
}
