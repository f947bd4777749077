// RFC 4648 base32 (A–Z, 2–7, no padding): upper-case only, so it reads aloud unambiguously and
// fits a QR code's compact alphanumeric mode.

export const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const VALUE = new Map([...BASE32_ALPHABET].map((c, i) => [c, i]));

// Digits that are not in the alphabet but are what a typist writes for the letter they saw.
const CONFUSABLE: Record<string, string> = { '0': 'O', '1': 'I', '8': 'B' };

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Upper-cases and maps confusable digits; leaves anything else for the caller to report. */
export function normalizeBase32Char(c: string): string {
  const upper = c.toUpperCase();
  return CONFUSABLE[upper] ?? upper;
}

export function isBase32Char(c: string): boolean {
  return VALUE.has(c);
}

/**
 * Decodes canonical base32 (already normalised). Returns undefined rather than throwing, so
 * callers can phrase the failure for where the text came from (typed card or scanned QR).
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const rest = text.length % 8;
  // 1, 3 and 6 trailing characters cannot come from whole bytes.
  if (rest === 1 || rest === 3 || rest === 6) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const c of text) {
    const v = VALUE.get(c);
    if (v === undefined) return undefined;
    buffer = ((buffer << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 0xff;
    }
  }
  // Non-zero leftover bits mean the text was not produced by base32Encode.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
