// The Content-Security-Policy sent with every response: our own origin only, no inline or
// evaluated script, no plugins, no frames, no remote anything. `data:` images only, for QR
// codes and icons the renderer draws itself.

const DIRECTIVES: Record<string, string> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'worker-src': "'self'",
  'manifest-src': "'self'",
  'object-src': "'none'",
  'frame-src': "'none'",
  'child-src': "'none'",
  'media-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

export function cspHeader(): string {
  return Object.entries(DIRECTIVES)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}

/** Headers every response carries, whatever serves it. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': cspHeader(),
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
  };
}

/**
 * For session.webRequest.onHeadersReceived: our headers replace whatever came back (any casing
 * of a CSP header a response carried is dropped, so it cannot loosen ours).
 */
export function withSecurityHeaders(
  headers: Record<string, string | string[]> | undefined,
): Record<string, string[]> {
  const ours = securityHeaders();
  const lower = new Set(Object.keys(ours).map((k) => k.toLowerCase()));
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!lower.has(k.toLowerCase())) out[k] = Array.isArray(v) ? v : [v];
  }
  for (const [k, v] of Object.entries(ours)) out[k] = [v];
  return out;
}
