// The binary form of a share envelope, shared by the typed text and the QR code:
//
//   "OLS1" | flags u8 | index u8 | threshold u8 | total u8
//   | ceremonyId | secretId | custodian | share      (each: u16 big-endian length, then bytes)
//   | check: first 4 bytes of SHA-256(domain ‖ everything before)
//
// Strings are UTF-8. Flag bit 0 marks a passphrase-protected share; other bits must be zero so
// a future format cannot be misread as this one. The magic carries the format version.
import { createHash } from 'node:crypto';
import { Secret } from '../../../shared/secret';
import { checkWellFormed } from './check';
import { invalidInput } from './errors';
import type { ShareEnvelope } from './types';

const MAGIC = Uint8Array.from([0x4f, 0x4c, 0x53, 0x31]); // "OLS1"
const CHECK_DOMAIN = 'olocus/quorum/share-encoding/v1';
const CHECK_BYTES = 4;
const FLAG_PROTECTED = 1;
const HEADER = MAGIC.length + 4;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function checksum(body: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(CHECK_DOMAIN).update(body).digest();
  return Uint8Array.from(digest.subarray(0, CHECK_BYTES));
}

/** The caller owns the result (it holds the share) and zeroes it. */
export function encodeEnvelope(envelope: ShareEnvelope): Uint8Array {
  checkWellFormed(envelope);
  return envelope.share.use((share) => encodeFields(envelope, share));
}

function encodeFields(envelope: ShareEnvelope, share: Uint8Array): Uint8Array {
  const fields = [
    utf8.encode(envelope.ceremonyId),
    utf8.encode(envelope.secretId),
    utf8.encode(envelope.custodian),
    share,
  ];
  if (fields.some((f) => f.length > 0xffff)) {
    throw invalidInput(`${envelope.custodian}'s share is too large to encode.`, envelope.custodian);
  }
  const size = HEADER + fields.reduce((sum, f) => sum + 2 + f.length, 0) + CHECK_BYTES;
  // Written in place: no intermediate copies of the share to forget to zero.
  const out = new Uint8Array(size);
  out.set(MAGIC, 0);
  out.set(
    [envelope.protected ? FLAG_PROTECTED : 0, envelope.index, envelope.threshold, envelope.total],
    4,
  );
  let at = HEADER;
  for (const f of fields) {
    out[at++] = f.length >> 8;
    out[at++] = f.length & 0xff;
    out.set(f, at);
    at += f.length;
  }
  out.set(checksum(out.subarray(0, at)), at);
  return out;
}

/** `what` names where the bytes came from, for the error: "The share text", "The QR code". */
export function decodeEnvelope(bytes: Uint8Array, what: string): ShareEnvelope {
  const notOurs = () =>
    invalidInput(
      `${what} is not an Olocus share (or comes from a newer version of Olocus Ceremony).`,
    );
  const damaged = (why: string) => invalidInput(`${what} is damaged: ${why}.`);

  if (bytes.length < HEADER + 4 * 2 + CHECK_BYTES) {
    throw MAGIC.every((b, i) => bytes[i] === b) ? damaged('it is too short') : notOurs();
  }
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw notOurs();
  const bodyEnd = bytes.length - CHECK_BYTES;
  const expected = checksum(bytes.subarray(0, bodyEnd));
  if (!expected.every((b, i) => bytes[bodyEnd + i] === b)) {
    throw damaged('its checksum does not match (a character or module was misread)');
  }
  const [flags = 0, index = 0, threshold = 0, total = 0] = bytes.subarray(4, HEADER);
  if ((flags & ~FLAG_PROTECTED) !== 0) throw notOurs();

  let at = HEADER;
  const next = (): Uint8Array => {
    if (at + 2 > bodyEnd) throw damaged('its fields run past its end');
    const length = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
    at += 2;
    if (at + length > bodyEnd) throw damaged('its fields run past its end');
    const field = bytes.subarray(at, at + length);
    at += length;
    return field;
  };
  const text = (): string => {
    try {
      return strictUtf8.decode(next());
    } catch (e) {
      if (e instanceof TypeError) throw damaged('a name in it is not valid UTF-8');
      throw e;
    }
  };
  const ceremonyId = text();
  const secretId = text();
  const custodian = text();
  const share = Secret.adopt(Uint8Array.from(next())); // a copy: the input belongs to the caller
  if (at !== bodyEnd) {
    share.dispose();
    throw damaged('it has bytes after its last field');
  }
  const envelope: ShareEnvelope = {
    version: 1,
    ceremonyId,
    secretId,
    custodian,
    index,
    threshold,
    total,
    share,
    ...(flags & FLAG_PROTECTED ? { protected: true } : {}),
  };
  try {
    checkWellFormed(envelope);
  } catch (e) {
    share.dispose();
    throw e;
  }
  return envelope;
}
