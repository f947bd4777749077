// The one rule a stranger needs (FORMAT.md says it at length):
//
//   hash = lower-hex SHA-256( UTF-8( JCS(record without "hash") ) )
//   line = UTF-8( JCS(record with "hash") ) followed by one "\n"
//
// JCS is RFC 8785. Because JCS sorts keys, "hash" sits between "data" and "prev", so the hash
// preimage is the line with `"hash":"<64 hex>",` cut out. The writer never relies on that (it
// encodes twice with the reference implementation); the verifier does, to hash bytes in place
// instead of re-encoding 100,000 records, after it has checked that the line is canonical.
import canonicalize from 'canonicalize';
import { createHash, hash } from 'node:crypto';
import type { LedgerRecord, UnhashedRecord } from './types';

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('A value with no JSON form cannot be canonicalised.');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash and line of a record; the ledger writes `line + "\n"`. */
export function encodeRecord(unhashed: UnhashedRecord): { record: LedgerRecord; line: string } {
  const hash = sha256Hex(canonicalJson(unhashed));
  const record: LedgerRecord = { ...unhashed, hash };
  return { record, line: canonicalJson(record) };
}

/** Recomputes a parsed record's hash the slow, obvious way (tests and tooling). */
export function recomputeHash(record: LedgerRecord): string {
  const { hash: _hash, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}

function keysSorted(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!keysSorted(item)) return false;
    return true;
  }
  let previous: string | undefined;
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    // JS string comparison is by UTF-16 code unit, which is exactly the JCS sort order.
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!keysSorted(obj[key])) return false;
  }
  return true;
}

/**
 * Whether `text` is the JCS form of `value`, where `value = JSON.parse(text)`.
 *
 * JSON.stringify writes strings, numbers and literals exactly as JCS does and keeps property
 * order, so equal output plus sorted keys means canonical; duplicate keys and whitespace make
 * the output differ. JSON.parse moves integer-like keys ("10", "2") to the front, so a mismatch
 * is settled by the reference implementation rather than called non-canonical.
 */
export function isCanonicalText(value: unknown, text: string): boolean {
  if (JSON.stringify(value) === text) return keysSorted(value);
  return canonicalize(value) === text;
}

const HASH_MEMBER_TEXT = ',"hash":"';
const HASH_MEMBER = Buffer.from(HASH_MEMBER_TEXT);
/** `"hash":"` + 64 hex + `",` — what is cut from the line to get the preimage. */
const HASH_MEMBER_SPAN = 8 + 64 + 2;

/**
 * Byte offset, relative to the line start, of the comma before the top-level `"hash"` member
 * of the line `buf[start, end)` whose decoded text is `text`, or -1. Call only on a line already
 * known to be canonical and shaped like a record: every `,"hash":"` in valid JSON is a member
 * name (a quote after a comma cannot sit inside a string), and the members after the top-level
 * hash are all scalars, so the last one in the line is the top-level member.
 */
export function topLevelHashOffset(buf: Buffer, start: number, end: number, text: string): number {
  // An all-ASCII line has as many UTF-16 units as bytes, so the string index is the byte index
  // (and searching the string is cheaper than searching the buffer).
  const at =
    text.length === end - start
      ? text.lastIndexOf(HASH_MEMBER_TEXT)
      : buf.lastIndexOf(HASH_MEMBER, end - 1) - start;
  if (at < 0 || at + 1 + HASH_MEMBER_SPAN > end - start) return -1;
  return buf[start + at + HASH_MEMBER_SPAN] === 0x2c ? at : -1;
}

let scratch = new Uint8Array(64 * 1024);
/** Views of scratch[0, n) by n, for the lengths most lines have (bounded, so a hostile ledger cannot grow it). */
let heads: Uint8Array[] = [];
const CACHED_LENGTHS = 4096;

/** SHA-256 of the line `buf[start, end)` with its top-level hash member cut out, hex. */
export function hashLineInPlace(buf: Buffer, start: number, end: number, at: number): string {
  // One contiguous copy and a one-shot hash cost half of a streaming Hash object per record.
  // The whole line is copied with one TypedArray#set and the member closed up with copyWithin
  // (both native, no view besides the line's): Buffer#copy and Buffer#subarray build a view per
  // call behind argument checks and a Buffer constructor, which cost more than the bytes.
  const head = at + 1;
  const size = end - start;
  const length = size - HASH_MEMBER_SPAN;
  if (scratch.length < size) {
    scratch = new Uint8Array(size * 2);
    heads = [];
  }
  scratch.set(new Uint8Array(buf.buffer, buf.byteOffset + start, size), 0);
  scratch.copyWithin(head, head + HASH_MEMBER_SPAN, size);
  const preimage =
    length < CACHED_LENGTHS
      ? (heads[length] ??= new Uint8Array(scratch.buffer, 0, length))
      : new Uint8Array(scratch.buffer, 0, length);
  return hash('sha256', preimage, 'hex');
}
