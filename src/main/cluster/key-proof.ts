// Proof that members hold the same key: SPKI SHA-256 for a key pair, the key check value for a
// secret key. A member without the key, with two keys of the label, or with another key is
// refused by name; nothing is signed with a group whose members disagree.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { TokenProvider } from '../hsm/provider';

export interface KeyFingerprint {
  kind: 'spki-sha256' | 'kcv';
  value: string;
  class: 'private' | 'secret';
  /** DER SubjectPublicKeyInfo for a key pair (signatures are checked in software with it). */
  spki: Uint8Array | null;
}

export async function keyFingerprint(
  provider: Pick<TokenProvider, 'listKeys' | 'publicKey'>,
  label: string,
  member: string,
): Promise<KeyFingerprint> {
  const priv = await provider.listKeys({ label, class: 'private' });
  const secret = priv.length === 0 ? await provider.listKeys({ label, class: 'secret' }) : [];
  const found = [...priv, ...secret];
  if (found.length === 0) {
    throw new OlocusError(
      ErrorCode.KEY_NOT_FOUND,
      `Member ${member} holds no private or secret key labelled "${label}", so it cannot join the group.`,
    );
  }
  if (found.length > 1) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Member ${member} holds ${found.length} keys labelled "${label}"; a group key must be one key per member.`,
    );
  }
  const k = found[0]!;
  if (k.class === 'private') {
    if (!k.spkiSha256) {
      throw new OlocusError(
        ErrorCode.KEY_NOT_FOUND,
        `Member ${member} holds the private key "${label}" without its public key, so it cannot be compared with the other members.`,
      );
    }
    const spki = await provider.publicKey({ label, class: 'private' });
    return { kind: 'spki-sha256', value: k.spkiSha256, class: 'private', spki };
  }
  if (!k.kcv) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Member ${member} gives no key check value for the secret key "${label}", so it cannot be compared with the other members.`,
    );
  }
  return { kind: 'kcv', value: k.kcv, class: 'secret', spki: null };
}

export function refuseDifferentKey(
  group: string,
  member: string,
  label: string,
  want: KeyFingerprint,
  got: KeyFingerprint,
): OlocusError {
  return new OlocusError(
    ErrorCode.POLICY_VIOLATION,
    `Member ${member} of group ${group} holds a different key "${label}" (${got.kind} ${got.value}, the primary's is ${want.kind} ${want.value}); the group refuses it.`,
  );
}
