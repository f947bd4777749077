// The unwrap leg of a migration (KWP under a shared KEK, or the whole rsa-aes-kwp chain) and the
// KWP wrap under a shared KEK.
import type { KeyInfo, KeySelector } from '../hsm/types';
import type { UnwrapInto } from './plan';
import type { Side } from './sides';
import type { OaepHash } from './types';

/** Wraps the key under `kek` on the source (no object is created: runs alongside other keys). */
export function wrapKwp(source: Side, kek: KeySelector, key: KeySelector): Promise<Uint8Array> {
  return source.lock.shared(() => source.provider.wrapKey(kek, key, 'aes-kwp'));
}

/**
 * Unwraps into the target template, with the pair's public half when `publicKey` is given, and
 * zeroes `wrapped`. strictUsage sets every usage flag the source did not have to false, so a
 * module's defaults cannot widen the copy. Token objects are made alone on their module.
 */
export async function unwrapInto(
  target: Side,
  unwrappingKey: KeySelector,
  wrapped: Uint8Array,
  into: UnwrapInto,
  oaep: { hash: OaepHash; bytes: number } | null,
  publicKey: Uint8Array | null,
): Promise<KeyInfo> {
  const unwrap = () =>
    target.provider.unwrapTransferred(
      unwrappingKey,
      wrapped,
      oaep ? { algorithm: `rsa-oaep-${oaep.hash}`, bytes: oaep.bytes } : null,
      { ...into, strictUsage: true, ...(publicKey ? { publicKey } : {}) },
    );
  try {
    return await (into.token === false
      ? target.lock.shared(unwrap)
      : target.lock.exclusive(unwrap));
  } finally {
    wrapped.fill(0); // deliberate: a wrapped (encrypted) blob, scratch, not a Secret
  }
}
