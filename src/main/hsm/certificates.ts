// X.509 certificates and requests for HSM keys: @peculiar/x509 builds and encodes them, and
// the one WebCrypto call that needs the private key (sign) is routed to the HSM, so the key
// never leaves it.
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeyType } from './types';

export interface HsmSigningKey {
  type: KeyType;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** Signs with the HSM in the algorithm `webAlgorithm(type)` names (ECDSA as raw r||s). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

interface WebAlgorithm {
  key: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm;
  signing: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

export function webAlgorithm(type: KeyType): WebAlgorithm {
  switch (type) {
    case 'ec-p256':
      return {
        key: { name: 'ECDSA', namedCurve: 'P-256' },
        signing: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
      };
    case 'ec-p384':
      return {
        key: { name: 'ECDSA', namedCurve: 'P-384' },
        signing: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
      };
    case 'ec-p521':
      return {
        key: { name: 'ECDSA', namedCurve: 'P-521' },
        signing: { name: 'ECDSA', hash: 'SHA-512' } as webcrypto.EcdsaParams,
      };
    case 'ed25519':
      return { key: { name: 'Ed25519' }, signing: { name: 'Ed25519' } };
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return {
        key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.RsaHashedImportParams,
        signing: { name: 'RSASSA-PKCS1-v1_5' },
      };
    default:
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `X.509 certificates cannot be made for ${type} keys here (no WebCrypto or X.509 profile for that key type).`,
      );
  }
}

/** A WebCrypto whose sign() goes to the HSM for one marker key and to node:crypto otherwise. */
function hsmCrypto(marker: object, key: HsmSigningKey): Crypto {
  const subtle = webcrypto.subtle;
  const routed = new Proxy(subtle, {
    get(target, prop) {
      if (prop === 'sign') {
        return async (alg: unknown, k: unknown, data: BufferSource) =>
          k === marker
            ? (
                await key.sign(
                  new Uint8Array(
                    ArrayBuffer.isView(data)
                      ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
                      : data,
                  ),
                )
              ).slice().buffer
            : target.sign(alg as webcrypto.Algorithm, k as webcrypto.CryptoKey, data);
      }
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    subtle: routed,
    getRandomValues: webcrypto.getRandomValues.bind(webcrypto),
    randomUUID: webcrypto.randomUUID.bind(webcrypto),
  } as unknown as Crypto;
}

async function keysFor(key: HsmSigningKey) {
  const alg = webAlgorithm(key.type);
  const publicKey = await webcrypto.subtle.importKey('spki', key.spki, alg.key, true, ['verify']);
  // The private half is a marker: @peculiar/x509 only hands it back to crypto.subtle.sign.
  const marker = {
    type: 'private',
    algorithm: publicKey.algorithm,
    extractable: false,
    usages: ['sign'],
  };
  return { alg, publicKey, marker, crypto: hsmCrypto(marker, key) };
}

export interface IssuedCertificate {
  pem: string;
  der: Uint8Array;
  serialNumber: string;
  sha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
}

function describe(cert: x509.X509Certificate): IssuedCertificate {
  const der = new Uint8Array(cert.rawData);
  return {
    pem: cert.toString('pem'),
    der,
    serialNumber: cert.serialNumber,
    sha256: createHash('sha256').update(der).digest('hex'),
    subject: cert.subject,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  };
}

export async function selfSignedCertificate(
  key: HsmSigningKey,
  options: {
    subject: string;
    validityDays: number;
    ca: boolean;
    pathLength?: number;
    notBefore?: Date;
  },
): Promise<IssuedCertificate> {
  const { alg, publicKey, marker, crypto } = await keysFor(key);
  const notBefore = options.notBefore ?? new Date();
  const notAfter = new Date(notBefore.getTime() + options.validityDays * 86_400_000);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(
      options.ca,
      options.ca ? options.pathLength : undefined,
      true,
    ),
    new x509.KeyUsagesExtension(
      options.ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
        : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
  ];
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      subject: options.subject,
      issuer: options.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: marker as unknown as webcrypto.CryptoKey,
      signingAlgorithm: alg.signing,
      extensions,
    },
    crypto,
  );
  if (!(await cert.verify({ publicKey, signatureOnly: true }, crypto))) {
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      'The HSM signature on the new certificate does not verify; the certificate was not written.',
    );
  }
  return describe(cert);
}

export async function certificateRequest(
  key: HsmSigningKey,
  options: { subject: string },
): Promise<{ pem: string; der: Uint8Array; sha256: string }> {
  const { alg, publicKey, marker, crypto } = await keysFor(key);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: options.subject,
      keys: { publicKey, privateKey: marker as unknown as webcrypto.CryptoKey },
      signingAlgorithm: alg.signing,
    },
    crypto,
  );
  if (!(await csr.verify(crypto)))
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      'The HSM signature on the request does not verify.',
    );
  const der = new Uint8Array(csr.rawData);
  return { pem: csr.toString('pem'), der, sha256: createHash('sha256').update(der).digest('hex') };
}

/**
 * A certificate for `subjectSpki` issued by an HSM key and its certificate (the ceremony's root,
 * for example). Only the issuer's signature is made in the HSM; the subject's private key is
 * never needed. The validity is cut to end no later than the issuer's.
 */
export async function issueCertificate(
  issuerKey: HsmSigningKey,
  issuerCertificate: Uint8Array | string,
  subjectSpki: Uint8Array,
  options: {
    subject: string;
    subjectKeyType: KeyType;
    validityDays: number;
    notBefore?: Date;
    /** What the subject key may do; document signing means digitalSignature + nonRepudiation. */
    usage?: 'document-signing';
  },
): Promise<IssuedCertificate> {
  const { alg, publicKey: issuerPublic, marker, crypto } = await keysFor(issuerKey);
  const issuer = new x509.X509Certificate(
    typeof issuerCertificate === 'string' ? issuerCertificate : new Uint8Array(issuerCertificate),
  );
  const issuerSpki = new Uint8Array(issuer.publicKey.rawData);
  if (Buffer.compare(Buffer.from(issuerSpki), Buffer.from(issuerKey.spki)) !== 0) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The issuer certificate (${issuer.subject}) is not the certificate of the HSM key asked to sign.`,
    );
  }
  const subjectPublic = await webcrypto.subtle.importKey(
    'spki',
    subjectSpki,
    webAlgorithm(options.subjectKeyType).key,
    true,
    ['verify'],
  );
  const notBefore = options.notBefore ?? new Date();
  const wanted = new Date(notBefore.getTime() + options.validityDays * 86_400_000);
  const notAfter = wanted > issuer.notAfter ? issuer.notAfter : wanted;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      subject: options.subject,
      issuer: issuer.subject,
      notBefore,
      notAfter,
      publicKey: subjectPublic,
      signingKey: marker as unknown as webcrypto.CryptoKey,
      signingAlgorithm: alg.signing,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(subjectPublic, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(issuerPublic, false, crypto),
      ],
    },
    crypto,
  );
  if (!(await cert.verify({ publicKey: issuerPublic, signatureOnly: true }, crypto))) {
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      "The HSM signature on the issued certificate does not verify against the issuer's key.",
    );
  }
  return describe(cert);
}
