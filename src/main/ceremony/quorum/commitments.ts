// What the audit ledger records at a split. A share commitment lets anyone holding the ledger
// confirm a custodian still holds exactly the share they were given; the secret commitment lets
// a reconstruction prove it produced the secret that was split, without the ledger revealing it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { Secret } from '../../../shared/secret';
import { invalidInput } from './errors';
import { scryptKey } from './kdf';
import type { ScryptParams } from './kdf';
import type { SecretCommitment, ShareEnvelope } from './types';

const SHARE_DOMAIN = 'olocus/quorum/share-commitment/v1';
const SECRET_DOMAIN = 'olocus/quorum/secret-commitment/v1';
// Fixed for this commitment format (the ledger stores only salt and digest). ~65 ms here: cheap
// for a ceremony, but each guess at a PIN costs 32 MiB of memory-hard work. A salt alone would
// not do: it is public, and a 6-digit PIN behind one SHA-256 falls in a second.
const SECRET_KDF: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const utf8 = new TextEncoder();
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

/** Length-prefixed, so ("ab","c") and ("a","bc") can never hash alike. */
function field(hash: Hash, bytes: Uint8Array): void {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hash.update(length).update(bytes);
}

type CommittedFields = Pick<
  ShareEnvelope,
  'ceremonyId' | 'secretId' | 'custodian' | 'index' | 'threshold' | 'total' | 'share'
>;

/** Hex SHA-256 over the canonical encoding of everything a share claims about itself. */
export function shareCommitment(s: CommittedFields): string {
  const hash = createHash('sha256');
  field(hash, utf8.encode(SHARE_DOMAIN));
  field(hash, utf8.encode(s.ceremonyId));
  field(hash, utf8.encode(s.secretId));
  field(hash, utf8.encode(s.custodian));
  hash.update(Uint8Array.of(s.index, s.threshold, s.total));
  s.share.use((b) => field(hash, b));
  return hash.digest('hex');
}

export function commitmentsEqual(a: string, b: string): boolean {
  if (!HEX_DIGEST.test(a) || !HEX_DIGEST.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export function isCommitmentHex(value: unknown): value is string {
  return typeof value === 'string' && HEX_DIGEST.test(value);
}

/** "3f2a 9c01 …": 16 groups of 4, easy to read aloud against the ledger. */
export function formatFingerprint(hex: string): string {
  return (hex.toLowerCase().match(/.{1,4}/g) ?? []).join(' ');
}

interface SecretLabel {
  ceremonyId: string;
  secretId: string;
}

function kdfSalt(label: SecretLabel, salt: Uint8Array): Buffer {
  const hash = createHash('sha256');
  field(hash, utf8.encode(SECRET_DOMAIN));
  field(hash, utf8.encode(label.ceremonyId));
  field(hash, utf8.encode(label.secretId));
  field(hash, salt);
  return hash.digest();
}

export async function makeSecretCommitment(
  secret: Uint8Array,
  label: SecretLabel,
): Promise<SecretCommitment> {
  const salt = randomBytes(32);
  const digest = await scryptKey(secret, kdfSalt(label, salt), SECRET_KDF);
  try {
    return { salt: salt.toString('hex'), digest: digest.toString('hex') };
  } finally {
    digest.fill(0); // deliberate: a public commitment's scratch buffer (its hex is published)
  }
}

export async function verifySecretCommitment(
  secret: Uint8Array,
  commitment: SecretCommitment,
  label: SecretLabel,
): Promise<boolean> {
  const { salt, digest } = commitment ?? {};
  if (!isCommitmentHex(salt) || !isCommitmentHex(digest)) {
    throw invalidInput(
      `The secret commitment recorded for "${label.secretId}" is malformed (expected a 32-byte salt and a 32-byte digest, in hex).`,
    );
  }
  const derived = Secret.adopt(
    await scryptKey(secret, kdfSalt(label, Buffer.from(salt, 'hex')), SECRET_KDF),
  );
  try {
    return derived.use((d) => timingSafeEqual(d, Buffer.from(digest, 'hex')));
  } finally {
    derived.dispose();
  }
}
