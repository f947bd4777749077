// The PDF signature checked with node:crypto: the byte ranges must cover the whole file but the
// signature value, the CMS message digest must be their SHA-256, the signature over the signed
// attributes must verify under the signer certificate, the ESS signing-certificate-v2 must name
// that certificate, and the certificate must chain to the root carried beside it.
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from '../sign/cms';
import { PdfName, pdfText, type PdfFile, type PdfValue } from './pdf-objects';

export interface SignatureCheck {
  present: boolean;
  /** Signature fields in the document; a report carries exactly one. */
  count: number;
  /** Bytes after the signed range (an incremental update): shown by readers, never signed. */
  unsignedTrailingBytes: number;
  subFilter: string | null;
  byteRange: number[] | null;
  wholeDocument: boolean;
  digestMatches: boolean;
  signatureValid: boolean;
  signingCertificateAttribute: boolean;
  signingTime: string | null;
  signer: {
    subject: string;
    issuer: string;
    serial: string;
    sha256: string;
    /** SHA-256 of the certificate's SubjectPublicKeyInfo: the key, whatever certifies it. */
    spkiSha256: string;
  } | null;
  chain: {
    kind: 'root-issued' | 'self-signed' | 'broken' | 'none';
    ok: boolean;
    rootSha256: string | null;
    message: string;
  };
  problems: string[];
}

const SIG_HASH: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
};

const nameOf = (v: PdfValue | undefined): string | null => (v instanceof PdfName ? v.name : null);

const ab = (b: Uint8Array): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** Every signature dictionary, in field order (an incremental update would add a later one). */
function findSignatureDicts(pdf: PdfFile): Map<string, PdfValue>[] {
  const fields = pdf.resolve(pdf.dict(pdf.catalog.get('AcroForm'))?.get('Fields'));
  if (!Array.isArray(fields)) return [];
  const found: Map<string, PdfValue>[] = [];
  for (const f of fields.slice(0, 1000)) {
    const field = pdf.dict(f);
    const v = pdf.dict(field?.get('V'));
    if (v && nameOf(v.get('Type')) === 'Sig') found.push(v);
  }
  return found;
}

function attr(signerInfo: pkijs.SignerInfo, oid: string): asn1js.AsnType | null {
  return signerInfo.signedAttrs?.attributes.find((a) => a.type === oid)?.values[0] ?? null;
}

function chainOf(signer: X509Certificate, others: X509Certificate[]): SignatureCheck['chain'] {
  const sha = (c: X509Certificate) => createHash('sha256').update(c.raw).digest('hex');
  // checkIssued would insist on keyCertSign, which a self-signed end-entity certificate lacks.
  if (signer.subject === signer.issuer) {
    return signer.verify(signer.publicKey)
      ? {
          kind: 'self-signed',
          ok: true,
          rootSha256: null,
          message: 'self-signed signing certificate',
        }
      : {
          kind: 'broken',
          ok: false,
          rootSha256: null,
          message: 'the self-signed certificate does not verify',
        };
  }
  const issuer = others.find((c) => signer.checkIssued(c));
  if (!issuer)
    return {
      kind: 'none',
      ok: false,
      rootSha256: null,
      message: 'the issuer certificate is not embedded',
    };
  if (!signer.verify(issuer.publicKey))
    return {
      kind: 'broken',
      ok: false,
      rootSha256: sha(issuer),
      message: "the signing certificate's signature does not verify under its issuer",
    };
  if (!issuer.checkIssued(issuer) || !issuer.verify(issuer.publicKey))
    return {
      kind: 'broken',
      ok: false,
      rootSha256: sha(issuer),
      message: 'the issuer is not a self-signed root',
    };
  if (!issuer.ca)
    return {
      kind: 'broken',
      ok: false,
      rootSha256: sha(issuer),
      message: 'the issuer certificate is not a CA',
    };
  return {
    kind: 'root-issued',
    ok: true,
    rootSha256: sha(issuer),
    message: `issued by ${issuer.subject.replace(/\n/g, ', ')}`,
  };
}

export function checkSignature(pdf: PdfFile): SignatureCheck {
  const out: SignatureCheck = {
    present: false,
    count: 0,
    unsignedTrailingBytes: 0,
    subFilter: null,
    byteRange: null,
    wholeDocument: false,
    digestMatches: false,
    signatureValid: false,
    signingCertificateAttribute: false,
    signingTime: null,
    signer: null,
    chain: { kind: 'none', ok: false, rootSha256: null, message: 'no signature' },
    problems: [],
  };
  const all = findSignatureDicts(pdf);
  out.count = all.length;
  // The first signature is the report's own; any later one was added after it.
  const sig = all[0] ?? null;
  const contents = sig?.get('Contents');
  const range = sig ? pdf.resolve(sig.get('ByteRange')) : undefined;
  if (!sig || !(contents instanceof Uint8Array) || !Array.isArray(range) || range.length !== 4) {
    out.problems.push('the PDF has no signature field with /ByteRange and /Contents');
    return out;
  }
  out.present = true;
  if (all.length > 1)
    out.problems.push(
      `the PDF carries ${all.length} signatures where a report carries one: the later ones were added after the report was signed`,
    );
  out.subFilter = nameOf(sig.get('SubFilter'));
  out.signingTime = pdfText(sig.get('M'));
  const br = range.map(Number);
  out.byteRange = br;
  const [a, b, c, d] = br as [number, number, number, number];
  const bytes = pdf.bytes;
  if (!br.every((n) => Number.isSafeInteger(n) && n >= 0) || b > c || c + d > bytes.length) {
    out.problems.push('the signed byte ranges do not cover the whole file: they are impossible');
    return out;
  }
  // The gap must be exactly the <hex> of /Contents, and the second range must end the file.
  const gapIsContents =
    bytes[b] === 0x3c && bytes[c - 1] === 0x3e && c - b - 2 === contents.length * 2;
  out.unsignedTrailingBytes = bytes.length - (c + d);
  out.wholeDocument = a === 0 && b > 0 && c > b && out.unsignedTrailingBytes === 0 && gapIsContents;
  if (out.unsignedTrailingBytes > 0)
    out.problems.push(
      `the signed byte ranges do not cover the whole file: ${out.unsignedTrailingBytes} bytes were appended after the signature (an incremental update), and what they change is not covered by it`,
    );
  else if (!out.wholeDocument)
    out.problems.push('the signed byte ranges do not cover the whole file');
  if (out.subFilter !== 'ETSI.CAdES.detached')
    out.problems.push(`SubFilter is ${out.subFilter}, not ETSI.CAdES.detached`);

  let signedData: pkijs.SignedData;
  try {
    const asn = asn1js.fromBER(ab(contents));
    const ci = new pkijs.ContentInfo({ schema: asn.result });
    if (ci.contentType !== OID.signedData) throw new Error('not SignedData');
    signedData = new pkijs.SignedData({ schema: ci.content });
  } catch (e) {
    out.problems.push(`the signature value is not a CMS SignedData (${(e as Error).message})`);
    return out;
  }
  const si = signedData.signerInfos[0];
  const certs = (signedData.certificates ?? []).filter(
    (x): x is pkijs.Certificate => x instanceof pkijs.Certificate,
  );
  if (!si || !(si.sid instanceof pkijs.IssuerAndSerialNumber) || !si.signedAttrs) {
    out.problems.push('the CMS has no signer with signed attributes');
    return out;
  }
  const sid = si.sid;
  const signerCms = certs.find(
    (x) => x.serialNumber.isEqual(sid.serialNumber) && x.issuer.isEqual(sid.issuer),
  );
  if (!signerCms) {
    out.problems.push('the signer certificate is not in the CMS');
    return out;
  }
  const der = (x: pkijs.Certificate) => new Uint8Array(x.toSchema().toBER(false));
  const signerDer = der(signerCms);
  const signer = new X509Certificate(signerDer);
  const signerSha = createHash('sha256').update(signerDer).digest('hex');
  out.signer = {
    subject: signer.subject.replace(/\n/g, ', '),
    issuer: signer.issuer.replace(/\n/g, ', '),
    serial: signer.serialNumber.toLowerCase(),
    sha256: signerSha,
    spkiSha256: createHash('sha256')
      .update(signer.publicKey.export({ format: 'der', type: 'spki' }))
      .digest('hex'),
  };

  const hash = createHash('sha256');
  hash.update(bytes.subarray(a, a + b));
  hash.update(bytes.subarray(c, c + d));
  const digest = hash.digest();
  const md = attr(si, OID.messageDigest);
  out.digestMatches =
    md instanceof asn1js.OctetString && Buffer.from(md.valueBlock.valueHexView).equals(digest);
  if (!out.digestMatches)
    out.problems.push('digest mismatch: the signed bytes were changed after signing');

  const essHash = (() => {
    const v = attr(si, OID.signingCertificateV2);
    const first = (v as asn1js.Sequence | null)?.valueBlock.value[0] as asn1js.Sequence | undefined;
    const certId = first?.valueBlock.value[0] as asn1js.Sequence | undefined;
    const h = certId?.valueBlock.value.find((x) => x instanceof asn1js.OctetString) as
      asn1js.OctetString | undefined;
    return h ? Buffer.from(h.valueBlock.valueHexView).toString('hex') : null;
  })();
  out.signingCertificateAttribute = essHash === signerSha;
  if (!out.signingCertificateAttribute)
    out.problems.push(
      'the ESS signing-certificate-v2 attribute does not name the signing certificate',
    );

  const signedAttrs = new Uint8Array(si.signedAttrs.encodedValue);
  signedAttrs[0] = 0x31;
  const alg = SIG_HASH[si.signatureAlgorithm.algorithmId];
  try {
    out.signatureValid =
      !!alg &&
      nodeVerify(
        alg,
        signedAttrs,
        { key: signer.publicKey, dsaEncoding: 'der' },
        si.signature.valueBlock.valueHexView,
      );
  } catch {
    out.signatureValid = false;
  }
  if (!out.signatureValid)
    out.problems.push('the signature value does not verify under the signing certificate');

  out.chain = chainOf(
    signer,
    certs.filter((x) => x !== signerCms).map((x) => new X509Certificate(der(x))),
  );
  // The certificate must have been valid when the report says it was signed (/M).
  const m = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(out.signingTime ?? '');
  if (out.chain.ok && m) {
    const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    if (at < Date.parse(signer.validFrom) || at > Date.parse(signer.validTo))
      out.chain = {
        ...out.chain,
        ok: false,
        message: 'the signing time is outside the validity of the signing certificate',
      };
  }
  if (!out.chain.ok) out.problems.push(`certificate chain: ${out.chain.message}`);
  return out;
}
