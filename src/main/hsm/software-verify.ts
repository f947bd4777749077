// Checking an HSM's signature without the HSM: node:crypto and the key's SPKI, so a proof does
// not rest on the module that made the signature.
import { createPublicKey, verify } from 'node:crypto';
import type { SignAlgorithm } from './types';

/** node:crypto's view of a signature the provider made (raw r||s for ECDSA, as PKCS#11 returns). */
export function verifyWithSpki(
  spki: Uint8Array,
  alg: SignAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (alg === 'eddsa') return verify(null, data, key, signature);
  const hash = alg.endsWith('384') ? 'sha384' : alg.endsWith('512') ? 'sha512' : 'sha256';
  if (alg.startsWith('ecdsa'))
    return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (alg.startsWith('rsa-pss'))
    return verify(
      hash,
      data,
      { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(hash.slice(3)) / 8 },
      signature,
    );
  return verify(hash, data, key, signature);
}
