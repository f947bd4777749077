// CMS SignedData for a PAdES (ETSI.CAdES.detached) signature, built with pkijs. The only private
// key operation, the signature over the DER of the signed attributes, is handed to the caller's
// `sign` (the HSM), so the key never leaves it. Signed attributes are the PAdES baseline set:
// content-type, message-digest and ESS signing-certificate-v2; no signing-time (PAdES puts the
// time in the signature dictionary's /M instead).
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

const ab = (b: Uint8Array): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** IEEE P1363 r||s (what PKCS#11 CKM_ECDSA returns) to the DER ECDSA-Sig-Value CMS carries. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const int = (b: Uint8Array): asn1js.Integer =>
    new asn1js.Integer({ valueHex: ab(b[0]! & 0x80 ? new Uint8Array([0, ...b]) : b) });
  let r = raw.subarray(0, half);
  let s = raw.subarray(half);
  // DER integers are minimal: strip leading zero bytes (the 0x00 for a set top bit is re-added).
  while (r.length > 1 && r[0] === 0 && !(r[1]! & 0x80)) r = r.subarray(1);
  while (s.length > 1 && s[0] === 0 && !(s[1]! & 0x80)) s = s.subarray(1);
  return new Uint8Array(new asn1js.Sequence({ value: [int(r), int(s)] }).toBER(false));
}

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

/** ESS SigningCertificateV2 with one ESSCertIDv2 (SHA-256 is the default hash, so omitted). */
function signingCertificateV2(cert: pkijs.Certificate, der: Uint8Array): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new pkijs.GeneralNames({
        names: [new pkijs.GeneralName({ type: 4, value: cert.issuer })],
      }).toSchema(),
      cert.serialNumber,
    ],
  });
  const certId = new asn1js.Sequence({
    value: [
      new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(der).digest()) }),
      issuerSerial,
    ],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certId] })] });
}

export interface CadesInput {
  /** SHA-256 of the signed byte ranges. */
  digest: Uint8Array;
  certificate: Uint8Array;
  chain: Uint8Array[];
  /** ECDSA P-256 over SHA-256(data), raw r||s. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export async function buildCadesDetached(input: CadesInput): Promise<Uint8Array> {
  const cert = pkijs.Certificate.fromBER(ab(input.certificate));
  const attrs = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: ab(input.digest) })),
    attribute(OID.signingCertificateV2, signingCertificateV2(cert, input.certificate)),
  ];
  // DER orders a SET OF by the encodings of its members; verifiers hash the bytes as sent.
  attrs.sort((a, b) =>
    Buffer.compare(Buffer.from(a.toSchema().toBER(false)), Buffer.from(b.toSchema().toBER(false))),
  );
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attrs });
  const encoded = new Uint8Array(signedAttrs.toSchema().toBER(false));
  encoded[0] = 0x31; // signed as a SET (RFC 5652 §5.4), carried as [0] IMPLICIT
  const signature = ecdsaRawToDer(await input.sign(encoded));

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
    signedAttrs,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 }),
    signature: new asn1js.OctetString({ valueHex: ab(signature) }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [cert, ...input.chain.map((c) => pkijs.Certificate.fromBER(ab(c)))],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}
