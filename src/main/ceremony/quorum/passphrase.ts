// An optional second lock on a share card: the share sealed with AES-256-GCM under a key
// scrypt derives from the custodian's passphrase. A stolen card then needs the passphrase too.
//
//   version u8 (1) | kdf u8 (1 = scrypt) | log2 N u8 | r u8 | p u8 | salt (16) | nonce (12)
//   | ciphertext | GCM tag (16)
//
// The header is the GCM associated data, so its parameters cannot be changed unnoticed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCode } from '../../../shared/errors';
import { QuorumError, invalidInput } from './errors';
import { scryptKey, scryptParamsAcceptable } from './kdf';
import type { ScryptParams } from './kdf';
import type { ShareEnvelope } from './types';
import { Secret } from '../../../shared/secret';

const VERSION = 1;
const KDF_SCRYPT = 1;
const PASSPHRASE_KDF: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }; // 128 MiB, ~0.3 s
const SALT = 16;
const NONCE = 12;
const TAG = 16;
const HEADER = 5 + SALT + NONCE;
export const MIN_PASSPHRASE_CHARS = 8;

/** A Secret is the form a passphrase takes from the IPC boundary and the CLI reader inward. */
export type Passphrase = string | Uint8Array | Secret;

/** Our own UTF-8 bytes of the passphrase (NFC, so the same words typed anywhere match). */
function passphraseSecret(passphrase: Passphrase): Secret {
  if (typeof passphrase === 'string') return Secret.fromText(passphrase.normalize('NFC'));
  return Secret.adopt(
    passphrase instanceof Secret ? passphrase.copy() : Uint8Array.from(passphrase),
  );
}

/** The AES key scrypt derives from the passphrase, owned by a Secret. */
async function derivedKey(passphrase: Passphrase, salt: Uint8Array, params: ScryptParams) {
  const password = passphraseSecret(passphrase);
  try {
    return Secret.adopt(await password.use((b) => scryptKey(b, salt, params)));
  } finally {
    password.dispose();
  }
}

/** Characters, counted on the UTF-8 bytes (every byte but a continuation byte starts one). */
function utf8Chars(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if ((b & 0xc0) !== 0x80) n++;
  return n;
}

function passphraseLength(passphrase: Passphrase): number {
  if (typeof passphrase === 'string') return [...passphrase.normalize('NFC')].length;
  return passphrase instanceof Secret ? passphrase.use(utf8Chars) : utf8Chars(passphrase);
}

/** Seals share bytes under a passphrase; the result is what a protected card prints. */
export async function protectShare(
  share: Uint8Array | Secret,
  passphrase: Passphrase,
): Promise<Uint8Array> {
  if (share instanceof Secret) return share.use((b) => protectShare(b, passphrase));
  if (!(share instanceof Uint8Array) || share.length === 0) {
    throw invalidInput('There is no share to protect.');
  }
  if (passphraseLength(passphrase) < MIN_PASSPHRASE_CHARS) {
    throw invalidInput(`A share passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters.`);
  }
  const out = new Uint8Array(HEADER + share.length + TAG);
  const { N, r, p } = PASSPHRASE_KDF;
  out.set([VERSION, KDF_SCRYPT, Math.log2(N), r, p], 0);
  out.set(randomBytes(SALT), 5);
  out.set(randomBytes(NONCE), 5 + SALT);
  const header = out.subarray(0, HEADER);

  const key = await derivedKey(passphrase, header.subarray(5, 5 + SALT), PASSPHRASE_KDF);
  try {
    const cipher = key.use((k) => createCipheriv('aes-256-gcm', k, header.subarray(5 + SALT)));
    cipher.setAAD(header);
    // GCM is a stream mode: update() returns exactly the ciphertext of what it was given.
    out.set(cipher.update(share), HEADER);
    cipher.final();
    out.set(cipher.getAuthTag(), HEADER + share.length);
    return out;
  } finally {
    key.dispose();
  }
}

/** Opens a protected share; the caller owns (and disposes) the result. */
export async function unprotectShare(
  sealed: Uint8Array | Secret,
  passphrase: Passphrase,
  custodian: string,
): Promise<Secret> {
  if (sealed instanceof Secret) return sealed.use((b) => unprotectShare(b, passphrase, custodian));
  const bytes = sealed;
  const unreadable = () =>
    new QuorumError(
      custodian,
      `${custodian}'s protected share is in a format this version of Olocus Ceremony cannot read.`,
    );
  if (bytes.length < HEADER + 1 + TAG) throw unreadable();
  const [version, kdf, log2N = 0, r = 0, p = 0] = bytes.subarray(0, 5);
  const params = { N: 2 ** log2N, r, p };
  if (version !== VERSION || kdf !== KDF_SCRYPT || !scryptParamsAcceptable(params)) {
    throw unreadable();
  }
  const header = bytes.subarray(0, HEADER);
  const ciphertext = bytes.subarray(HEADER, bytes.length - TAG);

  const key = await derivedKey(passphrase, header.subarray(5, 5 + SALT), params);
  let opened: Secret | undefined;
  try {
    const decipher = key.use((k) => createDecipheriv('aes-256-gcm', k, header.subarray(5 + SALT)));
    decipher.setAAD(header);
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG));
    // Node's own buffer of the opened share is adopted (copied, then zeroed) at once.
    opened = Secret.adopt(decipher.update(ciphertext));
    try {
      decipher.final();
    } catch (e) {
      // GCM cannot tell a wrong passphrase from an altered card; the OLS1 checksum around this
      // has already ruled out misreading, so the passphrase is by far the likelier cause.
      throw new QuorumError(custodian, `The passphrase for ${custodian}'s share is wrong.`, {
        code: ErrorCode.AUTHENTICATION_FAILED,
        cause: e,
      });
    }
    const result = opened;
    opened = undefined;
    return result;
  } finally {
    key.dispose();
    opened?.dispose(); // unauthenticated: never handed out
  }
}

export async function protectEnvelope(
  envelope: ShareEnvelope,
  passphrase: Passphrase,
): Promise<ShareEnvelope> {
  if (envelope.protected) {
    throw invalidInput(
      `${envelope.custodian}'s share is already passphrase-protected.`,
      envelope.custodian,
    );
  }
  const share = Secret.adopt(await protectShare(envelope.share, passphrase));
  return { ...envelope, share, protected: true };
}

export async function unprotectEnvelope(
  envelope: ShareEnvelope,
  passphrase: Passphrase,
): Promise<ShareEnvelope> {
  if (!envelope.protected) {
    throw invalidInput(
      `${envelope.custodian}'s share is not passphrase-protected.`,
      envelope.custodian,
    );
  }
  const share = await unprotectShare(envelope.share, passphrase, envelope.custodian);
  const { protected: _sealed, ...rest } = envelope;
  return { ...rest, share };
}
