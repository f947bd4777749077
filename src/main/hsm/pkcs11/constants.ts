// PKCS#11 numbers. pkcs11js exports most of them; the ones it lacks (PKCS#11 3.0 Edwards
// curves, RSA-AES key wrap, CKA_PUBLIC_KEY_INFO) are spelled out from the specification.
import pkcs11js from 'pkcs11js';

export const P = pkcs11js;

export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKK_EC_EDWARDS = 0x40;
export const CKM_RSA_AES_KEY_WRAP = 0x1054;
export const CKM_AES_KEY_WRAP_PAD = 0x210a;
export const CKA_PUBLIC_KEY_INFO = 0x129;
/** Session states without a login (CKS_RO_PUBLIC_SESSION, CKS_RW_PUBLIC_SESSION). */
export const PUBLIC_SESSION_STATES: ReadonlySet<number> = new Set([0, 2]);
/** CK_RSA_PKCS_OAEP_PARAMS.source: the encoding parameter is given (empty label). */
export const CKZ_DATA_SPECIFIED = 1;

const byValue = new Map<string, Map<number, string>>();

/** The specification's name for a number, e.g. nameOf('CKM_', 0x1041) === 'CKM_ECDSA'. */
export function nameOf(prefix: 'CKM_' | 'CKK_' | 'CKO_' | 'CKA_', value: number): string {
  let table = byValue.get(prefix);
  if (!table) {
    table = new Map();
    const extra: Record<string, number> = {
      CKM_EC_EDWARDS_KEY_PAIR_GEN,
      CKM_EDDSA,
      CKK_EC_EDWARDS,
      CKM_RSA_AES_KEY_WRAP,
      CKA_PUBLIC_KEY_INFO,
    };
    for (const [k, v] of [...Object.entries(pkcs11js), ...Object.entries(extra)]) {
      if (k.startsWith(prefix) && typeof v === 'number' && !table.has(v)) table.set(v, k);
    }
    byValue.set(prefix, table);
  }
  return table.get(value) ?? `${prefix}0x${value.toString(16).padStart(8, '0')}`;
}

export const MECHANISM_FLAGS: [number, string][] = [
  [P.CKF_HW, 'hw'],
  [P.CKF_ENCRYPT, 'encrypt'],
  [P.CKF_DECRYPT, 'decrypt'],
  [P.CKF_DIGEST, 'digest'],
  [P.CKF_SIGN, 'sign'],
  [P.CKF_VERIFY, 'verify'],
  [P.CKF_GENERATE, 'generate'],
  [P.CKF_GENERATE_KEY_PAIR, 'generate_key_pair'],
  [P.CKF_WRAP, 'wrap'],
  [P.CKF_UNWRAP, 'unwrap'],
  [P.CKF_DERIVE, 'derive'],
];

export const TOKEN_FLAGS: [number, string][] = [
  [P.CKF_RNG, 'rng'],
  [P.CKF_WRITE_PROTECTED, 'write_protected'],
  [P.CKF_LOGIN_REQUIRED, 'login_required'],
  [P.CKF_USER_PIN_INITIALIZED, 'user_pin_initialized'],
  [P.CKF_PROTECTED_AUTHENTICATION_PATH, 'protected_authentication_path'],
  [P.CKF_TOKEN_INITIALIZED, 'token_initialized'],
  [P.CKF_USER_PIN_COUNT_LOW, 'user_pin_count_low'],
  [P.CKF_USER_PIN_FINAL_TRY, 'user_pin_final_try'],
  [P.CKF_USER_PIN_LOCKED, 'user_pin_locked'],
  [P.CKF_SO_PIN_COUNT_LOW, 'so_pin_count_low'],
  [P.CKF_SO_PIN_FINAL_TRY, 'so_pin_final_try'],
  [P.CKF_SO_PIN_LOCKED, 'so_pin_locked'],
];

export function flagNames(flags: number, table: [number, string][]): string[] {
  return table.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}
