// Secrets are referenced, never written into the file: the file is reviewed, copied into the
// ceremony record and diffed, and a PIN in it would travel with all of those.

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

/**
 * `env:NAME` or `file:PATH`, the two RFC 7512 pin-source forms a ceremony can use unattended.
 * Returns undefined for anything else, so callers can say so without echoing what was written.
 */
export function parsePinSource(text: string): PinSource | undefined {
  if (text.startsWith('env:')) {
    const name = text.slice(4);
    return ENV_NAME.test(name) ? { kind: 'env', name } : undefined;
  }
  if (text.startsWith('file:')) {
    // RFC 7512 writes file URIs as file:/path or file:///path; both name the same absolute path.
    const p = text.slice(5).replace(/^\/\/(?=\/)/, '');
    return p === '' ? undefined : { kind: 'file', path: p };
  }
  return undefined;
}

export function formatPinSource(src: PinSource): string {
  return src.kind === 'env' ? `env:${src.name}` : `file:${src.path}`;
}
