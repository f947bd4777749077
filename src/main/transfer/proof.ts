// After the import, the target key is shown to be the source key before anything else happens
// (least of all destroying the source): a private key by its public key and by a signature that
// the source's public key accepts, a secret key by its check value or by wrapping a probe.
import { createHash, randomBytes } from 'node:crypto';
import { Secret } from '../../shared/secret';
import { verifyWithSpki } from '../hsm/software-verify';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeyUsage } from '../hsm/pkcs11/templates';
import type { KeyInfo, KeySelector } from '../hsm/types';
import type { Side } from './sides';
import type { KeyProof } from './types';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The target private key signs a fresh challenge; the source's public key must accept it. */
export async function provePrivate(
  target: Side,
  key: KeySelector,
  sourceSpki: Uint8Array,
): Promise<KeyProof> {
  const hsm = target.provider;
  return target.lock.shared(async () => {
    const own = await hsm.ownPublicKey(key);
    const spkiMatch = own ? sha256(own) === sha256(sourceSpki) : null;
    const challenge = Buffer.concat([Buffer.from('olocus-migration-proof/1:'), randomBytes(32)]);
    const sig = await hsm.sign(key, challenge);
    const signatureVerified = verifyWithSpki(sourceSpki, sig.algorithm, challenge, sig.signature);
    return {
      method: spkiMatch === null ? 'signature' : 'spki+signature',
      spkiMatch,
      signatureVerified,
      kcvMatch: null,
    };
  });
}

/**
 * KWP (RFC 5649) with its default IV is deterministic: two tokens wrapping the same probe under
 * the same key produce the same bytes. Used for wrap-only secret keys, which have no KCV.
 */
async function wrapProbe(
  source: Side,
  sourceKey: KeySelector,
  target: Side,
  targetKey: KeySelector,
): Promise<boolean> {
  const label = `olocus-probe-${randomBytes(6).toString('hex')}`;
  const value = Secret.adopt(randomBytes(32));
  const sides = [
    [source, sourceKey],
    [target, targetKey],
  ] as const;
  const blobs: Uint8Array[] = [];
  try {
    for (const [side, kek] of sides) {
      const hsm = side.provider;
      // Session objects only; importSecretKey zeroes the copy it is given.
      await side.lock.shared(async () => {
        await hsm.importSecretKey('aes-256', value.copy(), {
          label,
          token: false,
          extractable: true,
        });
        try {
          blobs.push(await hsm.wrapKey(kek, { label, class: 'secret' }, 'aes-kwp'));
        } finally {
          await hsm.destroyKey({ label, class: 'secret' }).catch(() => 0);
        }
      });
    }
    return Buffer.from(blobs[0]!).equals(Buffer.from(blobs[1]!));
  } finally {
    value.dispose();
    for (const b of blobs) b.fill(0); // deliberate: wrapped (encrypted) probe blobs, not Secrets
  }
}

/** The source's KCV against the target's (computed directly: see Pkcs11Provider.checkValue). */
export async function proveSecret(
  source: Side,
  sourceInfo: KeyInfo,
  sourceKey: KeySelector,
  target: Side,
  targetKey: KeySelector,
  usage: KeyUsage[],
): Promise<KeyProof> {
  const targetKcv = sourceInfo.kcv
    ? await target.lock.shared(() => target.provider.checkValue(targetKey))
    : null;
  if (sourceInfo.kcv && targetKcv)
    return {
      method: 'kcv',
      spkiMatch: null,
      signatureVerified: null,
      kcvMatch: sourceInfo.kcv === targetKcv,
    };
  if (sourceInfo.usage.wrap && usage.includes('wrap'))
    return {
      method: 'kwp-compare',
      spkiMatch: null,
      signatureVerified: null,
      kcvMatch: await wrapProbe(source, sourceKey, target, targetKey),
    };
  throw new OlocusError(
    ErrorCode.MECHANISM_UNSUPPORTED,
    `The migrated key "${targetKey.label ?? ''}" has neither a key check value nor wrap usage on both tokens, so it cannot be proven identical.`,
  );
}

export function proofPassed(p: KeyProof): boolean {
  if (p.method === 'kcv' || p.method === 'kwp-compare') return p.kcvMatch === true;
  return p.signatureVerified === true && p.spkiMatch !== false;
}
