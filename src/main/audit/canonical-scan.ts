// The verifier's fast path: proves, in one pass over a line's bytes, that the line is the JCS
// (RFC 8785) form of a well-shaped ordinary record, without JSON.parse and JSON.stringify (which
// were two thirds of verifying a large ledger). It is deliberately narrow: it accepts only text
// it can prove canonical (ASCII, integers, the escapes JSON.stringify writes for ASCII), and for
// anything else (a non-ASCII character, a fraction, a \u escape, record 0, a head signature, a
// line that is wrong in any way) it answers null and the checker takes the full path, which
// decides and words every failure. So the fast path can make verification faster, never laxer:
// what it accepts, the full path accepts too (test/unit/audit-fast-path.test.ts).
import { EVENT_OPENED, EVENT_SIGNED, type LedgerRecord } from './types';

/**
 * A record that verified, as the checker hands it on: its header read, the whole record parsed
 * only when asked (most records of a large ledger are checked and never looked at again).
 */
export interface VerifiedRecord {
  readonly seq: number;
  readonly type: string;
  readonly time: string;
  readonly hash: string;
  record(): LedgerRecord;
  /** The record's line as written (its canonical JSON), without the newline. */
  line(): string;
}

/** An ordinary record proved canonical by the scan; `text` is its line (ASCII). */
export class ScannedLine implements VerifiedRecord {
  private parsed: LedgerRecord | null = null;
  constructor(
    readonly text: string,
    readonly seq: number,
    readonly type: string,
    readonly time: string,
    readonly prev: string,
    readonly hash: string,
    /** Offset, from the line's start, of the comma before `"hash"` (canonical.ts hashLineInPlace). */
    readonly hashAt: number,
  ) {}

  record(): LedgerRecord {
    return (this.parsed ??= JSON.parse(this.text) as LedgerRecord);
  }

  line(): string {
    return this.text;
  }
}

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_DEPTH = 64;
/** 15 digits: every such integer is a safe integer, written by JCS exactly as here. */
const MAX_INT_DIGITS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

// The scan state: the line being read and where. A failure sets `pos` to -1.
let b: Buffer = Buffer.alloc(0);
let pos = 0;
let end = 0;
/** Whether the last string scanned held an escape (its text then differs from its bytes). */
let escaped = false;

// The loops below read b[i] only after checking i < end: the buffer goes on past the line (with
// other lines), so a byte at or past `end` must never be taken for part of this one.

function expect(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (end - pos < n) return false;
  for (let i = 0; i < n; i++) if (b[pos + i] !== bytes[i]) return false;
  pos += n;
  return true;
}

/**
 * A string from its opening quote; returns the offset after its closing quote, or -1. Only the
 * forms JSON.stringify writes for ASCII: printable bytes other than `"` and `\`, and the escapes
 * \" \\ \b \f \n \r \t (any other byte or escape: not provably canonical).
 */
function scanString(): number {
  let i = pos + 1;
  escaped = false;
  while (i < end) {
    const c = b[i]!;
    // Most bytes are printable and neither a quote nor a backslash: one range test for them.
    if (c > QUOTE && c < 0x7f && c !== BACKSLASH) {
      i++;
      continue;
    }
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      if (i + 1 >= end) return -1;
      const e = b[i + 1]!;
      // " \ b f n r t
      if (
        e !== 0x22 &&
        e !== 0x5c &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      )
        return -1;
      escaped = true;
      i += 2;
      continue;
    }
    // Left: below 0x20 (control), 0x20 and 0x21 (printable), 0x7f and above.
    if (c < 0x20 || c > 0x7e) return -1;
    i++;
  }
  return -1;
}

/** Whether key [a0, a1) sorts strictly before key [b0, b1): JCS order, no duplicates. */
function keyBefore(a0: number, a1: number, b0: number, b1: number): boolean {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const x = b[a0 + i]!;
    const y = b[b0 + i]!;
    if (x !== y) return x < y;
  }
  return a1 - a0 < b1 - b0;
}

function scanNumber(): boolean {
  let i = pos;
  if (i < end && b[i] === 0x2d) i++; // minus
  const first = i;
  if (i >= end) return false;
  const c = b[i]!;
  if (c === 0x30) {
    i++;
    if (first !== pos) return false; // -0 is written 0
  } else {
    if (c < 0x31 || c > 0x39) return false;
    i++;
    while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  }
  if (i - first > MAX_INT_DIGITS) return false;
  if (i < end) {
    const next = b[i]!;
    // A fraction or exponent: JCS's number form is subtle, leave it to the full path.
    if (next === 0x2e || next === 0x65 || next === 0x45) return false;
  }
  pos = i;
  return true;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

function scanValue(depth: number): boolean {
  if (pos >= end) return false;
  const c = b[pos]!;
  if (c === QUOTE) {
    const after = scanString();
    if (after < 0) return false;
    pos = after;
    return true;
  }
  if (c === 0x7b) return scanObject(depth + 1);
  if (c === 0x5b) return scanArray(depth + 1);
  if (c === 0x74) return expect(TRUE);
  if (c === 0x66) return expect(FALSE);
  if (c === 0x6e) return expect(NULL);
  return scanNumber();
}

function scanObject(depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  pos++; // {
  if (pos < end && b[pos] === 0x7d) {
    pos++;
    return true;
  }
  let prevStart = -1;
  let prevEnd = -1;
  for (;;) {
    // A key: a string without escapes (so its bytes are its UTF-16 code units, in JCS order).
    if (pos >= end || b[pos] !== QUOTE) return false;
    const keyStart = pos + 1;
    const after = scanString();
    if (after < 0 || escaped) return false;
    const keyEnd = after - 1;
    if (prevStart >= 0 && !keyBefore(prevStart, prevEnd, keyStart, keyEnd)) return false;
    prevStart = keyStart;
    prevEnd = keyEnd;
    pos = after;
    if (pos >= end || b[pos] !== COLON) return false;
    pos++;
    if (!scanValue(depth)) return false;
    if (pos >= end) return false;
    const c = b[pos]!;
    pos++;
    if (c === 0x7d) return true;
    if (c !== COMMA) return false;
  }
}

function scanArray(depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  pos++; // [
  if (pos < end && b[pos] === 0x5d) {
    pos++;
    return true;
  }
  for (;;) {
    if (!scanValue(depth)) return false;
    if (pos >= end) return false;
    const c = b[pos]!;
    pos++;
    if (c === 0x5d) return true;
    if (c !== COMMA) return false;
  }
}

/**
 * A top-level string member's value, unescaped and not empty: returns where its content starts
 * (it ends before the quote at pos - 1), or -1 when it cannot be proved.
 */
function topString(): number {
  if (pos >= end || b[pos] !== QUOTE) return -1;
  const after = scanString();
  if (after < 0 || escaped || after === pos + 2) return -1;
  const from = pos + 1;
  pos = after;
  return from;
}

/**
 * A quoted 64-character value: returns where its characters start, or -1. Their being lower-case
 * hex is not checked here: the checker accepts the line only when `hash` equals the digest it
 * computed and `prev` the hash of the record before, both 64 lower-case hex digits.
 */
function topHex(): number {
  if (end - pos < 66 || b[pos] !== QUOTE || b[pos + 65] !== QUOTE) return -1;
  const from = pos + 1;
  pos += 66;
  return from;
}

const K_ACTOR = Buffer.from('{"actor":');
const K_DATA = Buffer.from(',"data":');
const K_HASH = Buffer.from(',"hash":');
const K_PREV = Buffer.from(',"prev":');
const K_SEQ = Buffer.from(',"seq":');
const K_STEP = Buffer.from(',"step":');
const K_TIME = Buffer.from(',"time":');
const K_TYPE = Buffer.from(',"type":');

/**
 * The line as a string. Buffer#latin1Slice is what Buffer#toString('latin1') ends in, without
 * the encoding look-up in between (a tenth of the scan's cost in the profile); it is not in
 * Node's typings, so it is used only where it exists.
 */
const latin1Slice = (Buffer.prototype as { latin1Slice?: (start: number, end: number) => string })
  .latin1Slice;
const latin1: (buf: Buffer, start: number, end: number) => string =
  typeof latin1Slice === 'function'
    ? (buf, start, end) => latin1Slice.call(buf, start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

/** A day (yyyymmdd) that Date.parse accepted in a time whose clock timeOfDayOk admits. */
let knownDay = -1;

/** Where the digits of yyyy-mm-ddThh:mm:ss.sssZ are. */
const TIME_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/** The number written by the digits at `i`, `i + 1` (already known to be digits). */
function two(i: number): number {
  return (b[i]! - 0x30) * 10 + (b[i + 1]! - 0x30);
}

/**
 * Whether `time` (read from the line at `from`, `to`) is ISO 8601 UTC with milliseconds that
 * Date.parse accepts, as the full path demands, with Date.parse run once per day rather than
 * per record (it and the pattern were the costliest line of the scan). Sound because Date.parse
 * judges the date and the clock apart, and the clock here is held to 00:00:00 .. 23:59:59,
 * which it accepts on any day it accepts: stricter than the full path, never laxer (a
 * "24:00:00.000" or a leap second goes the full way).
 */
function timeOk(from: number, to: number, time: string): boolean {
  if (to - from !== 24) return false;
  if (
    b[from + 4] !== 0x2d ||
    b[from + 7] !== 0x2d ||
    b[from + 10] !== 0x54 ||
    b[from + 13] !== COLON ||
    b[from + 16] !== COLON ||
    b[from + 19] !== 0x2e ||
    b[from + 23] !== 0x5a
  )
    return false;
  for (let k = 0; k < TIME_DIGITS.length; k++) {
    const c = b[from + TIME_DIGITS[k]!]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  if (two(from + 11) > 23 || two(from + 14) > 59 || two(from + 17) > 59) return false;
  const day = two(from) * 1000000 + two(from + 2) * 10000 + two(from + 5) * 100 + two(from + 8);
  if (day === knownDay) return true;
  if (!TIME.test(time) || Number.isNaN(Date.parse(time))) return false;
  knownDay = day;
  return true;
}

/**
 * The record on line `buf[start, end)` when the line is provably its own JCS form and an
 * ordinary record of the right shape (not record 0, not ledger.opened, not chain.signed, whose
 * data the checker reads) provided its `hash` and `prev` are what the checker expects (it must
 * compare them); null otherwise, and the caller must judge the line the full way.
 */
export function scanOrdinaryRecord(buf: Buffer, start: number, stop: number): ScannedLine | null {
  b = buf;
  pos = start;
  end = stop;
  if (!expect(K_ACTOR) || topString() < 0 || !expect(K_DATA)) return null;
  if (pos >= end || b[pos] !== 0x7b) return null;
  if (!scanObject(1)) return null;
  const hashAt = pos - start;
  if (!expect(K_HASH)) return null;
  const hashFrom = topHex();
  if (hashFrom < 0 || !expect(K_PREV)) return null;
  const prevFrom = topHex();
  if (prevFrom < 0 || !expect(K_SEQ)) return null;
  const seqFrom = pos;
  if (pos >= end || b[pos] === 0x2d || !scanNumber()) return null;
  let seq = 0;
  for (let i = seqFrom; i < pos; i++) seq = seq * 10 + (b[i]! - 0x30);
  if (seq === 0 || !expect(K_STEP)) return null;
  // A step is null or a non-empty string; an empty one is still a string, so read it generally.
  if (!expect(NULL)) {
    if (pos >= end || b[pos] !== QUOTE) return null;
    const after = scanString();
    if (after < 0 || escaped) return null;
    pos = after;
  }
  if (!expect(K_TIME)) return null;
  const timeFrom = topString();
  if (timeFrom < 0) return null;
  const timeTo = pos - 1;
  if (!expect(K_TYPE)) return null;
  const typeFrom = topString();
  if (typeFrom < 0 || pos !== end - 1 || b[pos] !== 0x7d) return null;
  const typeTo = pos - 1;
  // One string for the line; the header fields are slices of it (V8 shares, not copies, them).
  const text = latin1(buf, start, stop);
  const time = text.slice(timeFrom - start, timeTo - start);
  if (!timeOk(timeFrom, timeTo, time)) return null;
  const type = text.slice(typeFrom - start, typeTo - start);
  if (type === EVENT_SIGNED || type === EVENT_OPENED) return null;
  const hash = text.slice(hashFrom - start, hashFrom - start + 64);
  const prev = text.slice(prevFrom - start, prevFrom - start + 64);
  return new ScannedLine(text, seq, type, time, prev, hash, hashAt);
}
