// Small X.509 helpers shared by the vendor chains: parse PEM, check one link (issuer name and
// signature), check validity at a chosen instant. Path building stays with each vendor, because
// each vendor's chains have a fixed, known shape and we check that shape, not "any path".
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export type Certificate = x509.X509Certificate;

export function parsePemCertificates(pem: string): Certificate[] {
  const blocks = x509.PemConverter.decode(pem);
  return blocks.map((der) => new x509.X509Certificate(der));
}

export function parseCertificate(pemOrDer: string | Uint8Array): Certificate {
  return new x509.X509Certificate(pemOrDer as string);
}

/** True when `issuer` names and signed `cert` (signature only; dates are checked separately). */
export async function signedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

export function validAt(cert: Certificate, at: Date): boolean {
  return cert.notBefore.getTime() <= at.getTime() && at.getTime() <= cert.notAfter.getTime();
}

export function sameCertificate(a: Certificate, b: Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

/** The CN when there is one (what people recognise), else the whole subject. */
export function commonName(cert: Certificate): string {
  return cert.subjectName.getField('CN')[0] ?? cert.subject;
}

export function certSha256(cert: Certificate): string {
  return createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
}

export function spkiSha256Of(cert: Certificate): string {
  return createHash('sha256').update(Buffer.from(cert.publicKey.rawData)).digest('hex');
}

export { iso } from './verdict';
