// The PGP word list (Juola & Zimmermann's "biometric word list", 1995) as the IANA root KSK
// ceremony reads fingerprints aloud: byte i is spoken with the even-position word when i is even
// and the odd-position word when i is odd, so a dropped or swapped word changes the list it comes
// from and the listener hears it. No npm package provides the list (none appears in the npm
// registry listing searched for this), so the 512 words live in resources/pgp-wordlist.json,
// transcribed from one public copy and checked word for word against two others.
import wordlist from '../../../resources/pgp-wordlist.json';
import { ErrorCode, OlocusError } from '../../shared/errors';

const EVEN: readonly string[] = wordlist.even;
const ODD: readonly string[] = wordlist.odd;

if (EVEN.length !== 256 || ODD.length !== 256) {
  throw new Error('resources/pgp-wordlist.json must hold 256 even and 256 odd words.');
}

// Spoken words come back in any case, and thblt/pgp-words spells 0xFF odd "Yucatán".
const normalise = (w: string): string =>
  w
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

const BY_WORD = new Map<string, { byte: number; odd: boolean }>();
EVEN.forEach((w, byte) => BY_WORD.set(normalise(w), { byte, odd: false }));
ODD.forEach((w, byte) => BY_WORD.set(normalise(w), { byte, odd: true }));

function bytesOf(input: Uint8Array | string): Uint8Array {
  if (typeof input !== 'string') return input;
  const hex = input.replace(/[\s:]/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'Expected hexadecimal bytes (pairs of 0-9, a-f; spaces and colons allowed).',
    );
  }
  return Buffer.from(hex, 'hex');
}

/** One word per byte, alternating the even and odd lists by byte position. */
export function toPgpWords(input: Uint8Array | string): string[] {
  const bytes = bytesOf(input);
  const words: string[] = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    words[i] = ((i & 1) === 0 ? EVEN : ODD)[bytes[i]!]!;
  }
  return words;
}

/** Words back to bytes; refuses unknown words and a word read at the wrong parity. */
export function fromPgpWords(words: string | readonly string[]): Uint8Array {
  const list = typeof words === 'string' ? words.split(/[\s,]+/).filter(Boolean) : words;
  const out = new Uint8Array(list.length);
  list.forEach((word, i) => {
    const hit = BY_WORD.get(normalise(word));
    if (!hit) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `"${word}" (word ${i + 1}) is not in the PGP word list.`,
      );
    }
    if (hit.odd !== ((i & 1) === 1)) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `"${word}" (word ${i + 1}) belongs at an ${hit.odd ? 'odd' : 'even'} position: a word was dropped or swapped before it.`,
      );
    }
    out[i] = hit.byte;
  });
  return out;
}

/**
 * Hex in groups for reading aloud: "E582 94F2 …", four hex digits a group and eight groups a
 * line, the layout of the IANA KSK ceremony scripts and of `gpg --fingerprint`.
 */
export function formatHexGroups(
  input: Uint8Array | string,
  opts: { group?: number; perLine?: number; upper?: boolean } = {},
): string {
  const hex = Buffer.from(bytesOf(input)).toString('hex');
  const size = opts.group ?? 4;
  const perLine = opts.perLine ?? 8;
  const groups: string[] = [];
  for (let i = 0; i < hex.length; i += size) groups.push(hex.slice(i, i + size));
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += perLine) {
    lines.push(groups.slice(i, i + perLine).join(' '));
  }
  const text = lines.join('\n');
  return opts.upper === false ? text : text.toUpperCase();
}
