// Share text a custodian can type back and a QR payload a scanner can read, both carrying the
// OLS1 binary form (binary.ts) in RFC 4648 base32.
//
// Text: lines of five 4-character groups, each line followed by two check characters over the
// line's number and its groups, so a typo is reported on ITS line and a skipped or swapped line
// is caught too; the binary's own checksum covers the whole:
//
//   J5GF-GMIA-AIBQ-KAAM-OJXW  XR      (every share starts J5GF-GMI: "OLS1" in base32)
//   65BN-MNQS-2MRQ-GI3A-AD3C  55
//   ...
//   J3I                       RQ
//
// Check characters: the first 10 bits of SHA-256("olocus/quorum/share-line/v1:<n>:<groups>"),
// as two base32 characters; ~1 in 1000 typos slip past a line check, none past the checksum.
// QR: "OLOCUS-SHARE:" + base32 of the same binary, all in QR alphanumeric mode.
import { createHash } from 'node:crypto';
import { Secret } from '../../../shared/secret';
import { decodeEnvelope, encodeEnvelope } from './binary';
import {
  BASE32_ALPHABET,
  base32Decode,
  base32Encode,
  isBase32Char,
  normalizeBase32Char,
} from './base32';
import { QuorumError, invalidInput } from './errors';
import type { ShareEnvelope } from './types';

export const QR_PREFIX = 'OLOCUS-SHARE:';
const GROUP = 4;
const LINE_DATA = 20;
const CHECK = 2;
const LINE = LINE_DATA + CHECK;
/** Width of a full line of groups, so check characters line up in a column. */
export const GROUPS_WIDTH = LINE_DATA + LINE_DATA / GROUP - 1;
const LINE_DOMAIN = 'olocus/quorum/share-line/v1';
const SEPARATORS = /[\s\-‐‑‒–—_.]/u;

export interface ShareTextLine {
  /** 1-based, as printed on the card. */
  number: number;
  /** "ABCD-EFGH-IJKL-MNOP-QRST" (the last line may be shorter). */
  groups: string;
  check: string;
}

/** 10 bits of SHA-256 over the line number and its characters, as two base32 characters. */
function lineCheck(number: number, data: string): string {
  const d = createHash('sha256').update(`${LINE_DOMAIN}:${number}:${data}`).digest();
  const v = ((d[0] ?? 0) << 2) | ((d[1] ?? 0) >> 6);
  return `${BASE32_ALPHABET[v >> 5]}${BASE32_ALPHABET[v & 31]}`;
}

function base32Of(envelope: ShareEnvelope): string {
  const bytes = Secret.adopt(encodeEnvelope(envelope));
  try {
    return bytes.use(base32Encode);
  } finally {
    bytes.dispose();
  }
}

export function shareTextLines(envelope: ShareEnvelope): ShareTextLine[] {
  const all = base32Of(envelope);
  const lines: ShareTextLine[] = [];
  for (let at = 0; at < all.length; at += LINE_DATA) {
    const data = all.slice(at, at + LINE_DATA);
    const number = lines.length + 1;
    const groups = data.match(new RegExp(`.{1,${GROUP}}`, 'g')) ?? [];
    lines.push({ number, groups: groups.join('-'), check: lineCheck(number, data) });
  }
  return lines;
}

export function toShareText(envelope: ShareEnvelope): string {
  return shareTextLines(envelope)
    .map((l) => `${l.groups.padEnd(GROUPS_WIDTH)}  ${l.check}`)
    .join('\n');
}

/**
 * The largest card (a 512-byte secret, 128-byte labels, a sealed share) is under 2,500
 * characters of text; 16 KiB leaves room for any spacing a typist adds. A QR photo or a paste
 * that decodes to more is refused before any of it is read.
 */
export const MAX_SHARE_TEXT = 16 * 1024;

function checkShareTextSize(text: string): void {
  if (text.length > MAX_SHARE_TEXT) {
    throw invalidInput(
      `The share text is ${text.length} characters long, more than any share card holds (at most ${MAX_SHARE_TEXT}): it is not a share.`,
    );
  }
}

/** Each non-empty input line reduced to canonical base32 symbols. */
function typedLines(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    let line = '';
    for (const c of raw) {
      if (SEPARATORS.test(c)) continue;
      const n = normalizeBase32Char(c);
      if (!isBase32Char(n)) {
        throw invalidInput(
          `Line ${lines.length + 1} of the share contains ${JSON.stringify(c)}, which never appears in a share (only letters A–Z and digits 2–7 do).`,
        );
      }
      line += n;
    }
    if (line !== '') lines.push(line);
  }
  return lines;
}

function chunk(all: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < all.length; at += LINE) out.push(all.slice(at, at + LINE));
  return out;
}

/** The first line whose check characters fail, phrased for the typist; undefined if none. */
function firstBadLine(lines: readonly string[]): QuorumError | undefined {
  for (const [i, line] of lines.entries()) {
    const number = i + 1;
    const last = i === lines.length - 1;
    if (last && line.length <= CHECK) {
      return invalidInput(
        `Line ${number} of the share, the last, is too short: it needs at least one character before its ${CHECK} check characters.`,
      );
    }
    if (line.length > LINE || (!last && line.length !== LINE)) {
      const short = line.length < LINE;
      return invalidInput(
        `Line ${number} of the share has ${line.length} characters where ${last ? 'at most ' : ''}${LINE} are expected (${LINE_DATA} in groups and ${CHECK} check characters): a character is ${short ? 'missing' : 'extra'}.`,
      );
    }
    const data = line.slice(0, -CHECK);
    const check = line.slice(-CHECK);
    if (lineCheck(number, data) === check) continue;
    if (!last && lineCheck(number + 1, data) === check) {
      return invalidInput(
        `Line ${number} of the share is line ${number + 1} of the card: was line ${number} skipped?`,
      );
    }
    return invalidInput(
      `Line ${number} of the share does not match its check characters: a character on that line (or one of its two check characters) is mistyped.`,
    );
  }
  return undefined;
}

/**
 * Reads share text as typed: any case, spaces, dashes and line breaks anywhere, and 0/1/8 for
 * O/I/B. Line breaks are used when they match the card's lines; otherwise the text is re-cut
 * into card lines, so typing everything on one line works too.
 */
export function parseShareText(text: string): ShareEnvelope {
  checkShareTextSize(text);
  if (text.trim().toUpperCase().startsWith(QR_PREFIX)) return fromQrPayload(text);
  const typed = typedLines(text);
  if (typed.length === 0) throw invalidInput('The share text is empty.');

  let lines = typed;
  let bad = firstBadLine(lines);
  if (bad && typed.length > 1) {
    // The typist may have wrapped lines their own way; if the card's lines check out, accept.
    const recut = chunk(typed.join(''));
    if (!firstBadLine(recut)) [lines, bad] = [recut, undefined];
  } else if (bad) {
    lines = chunk(typed[0] ?? '');
    bad = firstBadLine(lines);
  }
  if (bad) throw bad;

  const data = lines.map((l) => l.slice(0, -CHECK)).join('');
  const decoded = base32Decode(data);
  const incomplete = () =>
    invalidInput(
      `The share text passes its line checks but not its overall check: is a line missing at the end? (${lines.length} lines were read.)`,
    );
  if (!decoded) throw incomplete();
  const bytes = Secret.adopt(decoded);
  try {
    return bytes.use((b) => decodeEnvelope(b, 'The share text'));
  } catch (e) {
    if (e instanceof QuorumError && / is damaged/.test(e.message)) {
      throw incomplete();
    }
    throw e;
  } finally {
    bytes.dispose();
  }
}

export function toQrPayload(envelope: ShareEnvelope): string {
  return QR_PREFIX + base32Of(envelope);
}

export function fromQrPayload(text: string): ShareEnvelope {
  checkShareTextSize(text);
  const compact = text.replace(/\s+/g, '').toUpperCase();
  if (!compact.startsWith(QR_PREFIX)) {
    throw invalidInput(
      `This QR code is not an Olocus share: its text does not start with ${QR_PREFIX}`,
    );
  }
  const body = compact.slice(QR_PREFIX.length);
  if (![...body].every(isBase32Char)) {
    throw invalidInput('The QR code is damaged: it contains characters a share never has.');
  }
  const decoded = base32Decode(body);
  if (!decoded) throw invalidInput('The QR code is damaged: its text has an impossible length.');
  const bytes = Secret.adopt(decoded);
  try {
    return bytes.use((b) => decodeEnvelope(b, 'The QR code'));
  } finally {
    bytes.dispose();
  }
}
