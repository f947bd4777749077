// Getting the inputs of a Marvell verdict out of the files people actually have: the raw
// attestation download (or its base64 text), one PEM bundle holding both chains, a Cloud KMS
// CryptoKeyVersion as JSON, and the ceremony's public key as PEM or DER.
import { createPublicKey } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { parsePemCertificates } from '../x509-links';
import { isGzip } from './container';
import { pinnedMarvellRoots } from './roots';
import type { MarvellRoots } from './roots';

/** Raw bytes as the HSM wrote them, from a binary file or from base64 / base64url text. */
export function decodeAttestationFile(file: Uint8Array): Uint8Array {
  if (isGzip(file)) return file;
  const text = Buffer.from(file).toString('latin1').trim();
  if (/^[A-Za-z0-9+/_-]+=*$/.test(text)) {
    const bytes = new Uint8Array(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    if (isGzip(bytes)) return bytes;
  }
  return file; // uncompressed binary; the format check will say if it is not an attestation
}

/**
 * Splits one PEM bundle (the four certificates Google hands out together) into the two chains.
 * Routing is by issuer name only; the chain checks then verify every signature against the
 * pinned roots, so a certificate routed by a forged name still fails.
 */
export function splitMarvellBundle(
  pem: string,
  roots: MarvellRoots = pinnedMarvellRoots(),
): { manufacturerChainPem: string; ownerChainPem: string } {
  const certs = parsePemCertificates(pem);
  if (certs.length === 0)
    throw new OlocusError(ErrorCode.INVALID_INPUT, 'The chain file holds no PEM certificates.');
  const toPem = (list: typeof certs) => list.map((c) => c.toString('pem')).join('\n');
  const owner = certs.filter((c) => c.issuer === roots.owner.cert.subject);
  const manufacturer = certs.filter((c) => c.issuer !== roots.owner.cert.subject);
  return { manufacturerChainPem: toPem(manufacturer), ownerChainPem: toPem(owner) };
}

export interface KmsAttestationInput {
  attestation: Uint8Array;
  manufacturerChainPem: string;
  ownerChainPem: string;
  /** The key version's generateTime, which KMS reports but the HSM does not sign. */
  generateTime: Date | null;
}

/** From `gcloud kms keys versions describe … --format=json` (a CryptoKeyVersion). */
export function fromKmsKeyVersion(json: unknown): KmsAttestationInput {
  const v = json as {
    generateTime?: string;
    attestation?: {
      content?: string;
      certChains?: {
        caviumCerts?: string[];
        googleCardCerts?: string[];
        googlePartitionCerts?: string[];
      };
    };
  };
  const a = v?.attestation;
  if (!a?.content || !a.certChains)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'The JSON is not a Cloud KMS key version with an attestation and its certificate chains.',
    );
  const chains = a.certChains;
  return {
    attestation: new Uint8Array(Buffer.from(a.content, 'base64')),
    manufacturerChainPem: (chains.caviumCerts ?? []).join('\n'),
    ownerChainPem: [...(chains.googlePartitionCerts ?? []), ...(chains.googleCardCerts ?? [])].join(
      '\n',
    ),
    generateTime: v.generateTime ? new Date(v.generateTime) : null,
  };
}

/** DER SubjectPublicKeyInfo from a PEM or DER public key, or from a certificate. */
export function readSpki(file: Uint8Array): Uint8Array {
  const text = Buffer.from(file).toString('latin1');
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
      const [cert] = parsePemCertificates(text);
      if (cert) return new Uint8Array(cert.publicKey.rawData);
    }
    const key = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(file), format: 'der', type: 'spki' });
    return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
  } catch (e) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'The public key file is not a PEM or DER public key or certificate.',
      { cause: e },
    );
  }
}
