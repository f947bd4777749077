// An AuditSigner over a node:crypto private key, for rehearsals, demos and tests. A real
// ceremony signs with its HSM audit key; this produces byte-identical signature formats (raw
// r||s for ECDSA) so everything downstream is exercised the same way.
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { AuditAlgorithm, AuditSigner } from './types';

function algorithmOf(key: KeyObject): AuditAlgorithm {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return 'ecdsa-p256-sha256';
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return 'ecdsa-p384-sha384';
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'rsa') return 'rsa-pkcs1-sha256';
  throw new OlocusError(
    ErrorCode.MECHANISM_UNSUPPORTED,
    `A ${key.asymmetricKeyType ?? 'non-asymmetric'} key${curve ? ` on ${curve}` : ''} cannot sign the audit ledger.`,
  );
}

export function softwareSigner(privateKey: KeyObject): AuditSigner {
  const algorithm = algorithmOf(privateKey);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const digest =
    algorithm === 'ed25519' ? null : algorithm === 'ecdsa-p384-sha384' ? 'sha384' : 'sha256';
  return {
    algorithm,
    publicKeySpki: new Uint8Array(spki),
    sign: async (data) =>
      new Uint8Array(
        sign(
          digest,
          data,
          algorithm.startsWith('ecdsa')
            ? { key: privateKey, dsaEncoding: 'ieee-p1363' }
            : privateKey,
        ),
      ),
  };
}

/** A fresh key and its signer; the key is returned so a test can persist it for a child process. */
export function generateSoftwareSigner(algorithm: AuditAlgorithm): {
  signer: AuditSigner;
  privateKey: KeyObject;
} {
  const { privateKey } =
    algorithm === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'rsa-pkcs1-sha256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', {
            namedCurve: algorithm === 'ecdsa-p384-sha384' ? 'P-384' : 'P-256',
          });
  return { signer: softwareSigner(privateKey), privateKey };
}
