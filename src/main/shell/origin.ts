// Where our pages come from: one custom, privileged scheme and one host. Not file:// (every
// local file would share our origin) and never http(s):// (nothing remote is ever loaded).
// No electron import: the IPC sender check and the shell share this, and tests load both.

export const APP_SCHEME = 'app';
export const APP_HOST = 'olocus';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/**
 * Whether a frame URL belongs to our app. Node's URL gives custom schemes an opaque origin
 * ("null"), so scheme, host, port and credentials are compared one by one; anything that does
 * not parse (an empty URL, "null", about:blank) is refused.
 */
export function isAllowedOrigin(url: unknown): boolean {
  if (typeof url !== 'string' || url === '') return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === `${APP_SCHEME}:` &&
    u.hostname === APP_HOST &&
    u.port === '' &&
    u.username === '' &&
    u.password === ''
  );
}
