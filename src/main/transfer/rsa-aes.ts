// CKM_RSA_AES_KEY_WRAP (PKCS#11 2.40 §2.1.21) composed from its two halves: an ephemeral AES-256
// key wrapped with RSA-OAEP under the target's transport key, then the key wrapped with
// RFC 5649 (the token's resolved number) under that AES key; the blob is the two concatenated, as the native
// mechanism writes it.
//
// Why composed even where a module lists CKM_RSA_AES_KEY_WRAP: its parameter,
// CK_RSA_AES_KEY_WRAP_PARAMS, holds a pointer to a CK_RSA_PKCS_OAEP_PARAMS, and pkcs11js 2.1
// marshals no such structure (no CK_PARAMS_* type for it, and a raw Buffer cannot carry a native
// pointer). The composed blob has the layout the native mechanism defines, so a module that has
// it could unwrap ours; no module at hand lists it, so that is by the specification, not tested.
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeySelector } from '../hsm/types';
import type { Side } from './sides';
import type { TransportType } from './strength';
import type { OaepHash } from './types';

export const NATIVE_NOTE =
  'CKM_RSA_AES_KEY_WRAP composed from CKM_RSA_PKCS_OAEP and RFC 5649 AES key wrap: pkcs11js cannot pass CK_RSA_AES_KEY_WRAP_PARAMS (it holds a pointer to the OAEP parameters)';

export interface Transport {
  type: TransportType;
  /** Label of the key pair on the target and of its public key imported on the source. */
  label: string;
  spkiSha256: string;
  /** Length of the OAEP part of a blob: the transport modulus in bytes. */
  oaepBytes: number;
}

/** Generates the transport pair on the target (session objects) and imports its public key on the source. */
export async function openTransport(
  source: Side,
  target: Side,
  type: TransportType,
): Promise<Transport> {
  const label = `olocus-transport-${randomBytes(6).toString('hex')}`;
  const pair = await target.provider.generateKeyPair(type, {
    label,
    token: false,
    usage: ['wrap'],
  });
  try {
    const spki = await target.provider.publicKey({ label, class: 'public' });
    const imported = await source.provider.importPublicKey(spki, {
      label,
      token: false,
      usage: ['wrap'],
    });
    if (imported.spkiSha256 !== pair.publicKey.spkiSha256)
      throw new OlocusError(
        ErrorCode.OPERATION_FAILED,
        `The transport key imported on ${source.name} does not match the one ${target.name} made.`,
      );
    return {
      type,
      label,
      spkiSha256: pair.publicKey.spkiSha256!,
      oaepBytes: Number(type.slice(4)) / 8,
    };
  } catch (e) {
    await closeTransport(source, target, label);
    throw e;
  }
}

export async function closeTransport(source: Side, target: Side, label: string): Promise<void> {
  await Promise.all([
    source.provider.destroyKey({ label }).catch(() => 0),
    target.provider.destroyKey({ label }).catch(() => 0),
  ]);
}

/**
 * Source side: OAEP(ephemeral AES-256 key) || KWP(key), made in one worker call so that the
 * ephemeral key never outlives it. No token object is made: it runs alongside other keys.
 */
export function wrapRsaAes(
  source: Side,
  transport: Transport,
  key: KeySelector,
  hash: OaepHash,
): Promise<Uint8Array> {
  return source.lock.shared(() =>
    source.provider.wrapUnderEphemeral(
      { label: transport.label, class: 'public' },
      key,
      `rsa-oaep-${hash}`,
    ),
  );
}

/**
 * Which OAEP hash both sides take. SHA-256 is tried first; a module that refuses it (SoftHSM 2.6
 * answers CKR_ARGUMENTS_BAD) gets SHA-1, which SP 800-131A still allows for key transport. The
 * first key settles it for the batch, and the note says why.
 */
export class OaepNegotiation {
  hash: OaepHash = 'sha256';
  note: string | null = null;

  /** Runs `attempt` with SHA-256, and once more with SHA-1 if a side says SHA-256 is unsupported. */
  async run<T>(attempt: (hash: OaepHash) => Promise<T>): Promise<T> {
    try {
      return await attempt(this.hash);
    } catch (e) {
      const refusedSha256 =
        e instanceof OlocusError &&
        e.code === ErrorCode.MECHANISM_UNSUPPORTED &&
        e.message.includes('rsa-oaep-sha256');
      if (this.hash === 'sha1' || !refusedSha256) throw e;
      this.hash = 'sha1';
      this.note = `RSA-OAEP with SHA-256 was refused (${e.message.replace(/\.$/, '')}${e.ckr ? `, ${e.ckr}` : ''}); SHA-1, which SP 800-131A allows for key transport, was used.`;
      return attempt(this.hash);
    }
  }
}
