// Secrets are referenced, never written into the file: the file is reviewed, copied into the
// ceremony record and diffed, and a PIN in it would travel with all of those.

import { parsePinSource as parseUriPinSource } from '../hsm/uri';

/** Key names that can only hold a secret value. `password_env`, `pin_source`, … do not match. */
const SECRET_KEY =
  /^(?:.*_)?(?:password|passwd|passphrase|pin|so_pin|secret|private_key|token|api_key|access_key|credentials?)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const HINT =
  'put the secret in an environment variable or a file and name it with password_env / pin_source';

/** The message for `key: <literal>`; it never quotes the value. */
export function inlineSecretMessage(key: string): string {
  const k = key.toLowerCase();
  const example = /pin$/.test(k)
    ? k.startsWith('so_')
      ? 'so_pin_source: "env:HSM_SO_PIN" under hsm.pkcs11'
      : 'pin_source: "file:/run/ceremony/user.pin" under hsm.pkcs11'
    : /pass/.test(k)
      ? 'password_env: "HSM_PASSWORD" under hsm.auth'
      : 'an env: or file: reference';
  return `inline secret "${key}" is not allowed; ${HINT} (e.g. ${example})`;
}

/** POSIX-style variable names; lower case is allowed because Windows and some shells use it. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type PinSource = { kind: 'env'; name: string } | { kind: 'file'; path: string };

/** The same forms RFC 7512 URIs take (uri.ts); undefined, rather than an error, when malformed. */
export function parsePinSource(text: string): PinSource | undefined {
  try {
    return parseUriPinSource(text);
  } catch {
    return undefined;
  }
}

export function formatPinSource(src: PinSource): string {
  return src.kind === 'env' ? `env:${src.name}` : `file:${src.path}`;
}
