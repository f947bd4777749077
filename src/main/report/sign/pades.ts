// PAdES: an invisible signature field with a placeholder, added to the pdfkit document before it
// is ended, then the byte ranges around the placeholder signed with a CAdES detached CMS made by
// the report signer. @signpdf writes the placeholder and the /ByteRange; the CMS is ours.
import { createHash } from 'node:crypto';
import { pdfkitAddPlaceholder } from '@signpdf/placeholder-pdfkit';
import { SignPdf } from '@signpdf/signpdf';
import { SUBFILTER_ETSI_CADES_DETACHED, Signer } from '@signpdf/utils';
import { buildCadesDetached } from './cms';
import type { ReportSigner } from './report-signer';

/** Room for the CMS (two certificates and an ECDSA signature need about 2 KB). */
const SIGNATURE_BYTES = 8192;

export function addSignaturePlaceholder(
  doc: PDFKit.PDFDocument,
  details: { reason: string; location: string; name: string; signingTime: Date },
): void {
  // The refs returned are already ended by the library; ending them again corrupts the file.
  pdfkitAddPlaceholder({
    pdf: doc,
    pdfBuffer: Buffer.alloc(0),
    reason: details.reason,
    contactInfo: '',
    name: details.name,
    location: details.location,
    signingTime: details.signingTime,
    signatureLength: SIGNATURE_BYTES,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    appName: 'Olocus-Ceremony', // written as a PDF name: no spaces
  });
}

class ReportCmsSigner extends Signer {
  constructor(private readonly signer: ReportSigner) {
    super();
  }

  override async sign(signedBytes: Buffer): Promise<Buffer> {
    const digest = createHash('sha256').update(signedBytes).digest();
    return Buffer.from(
      await buildCadesDetached({
        digest,
        certificate: this.signer.certificate,
        chain: this.signer.chain,
        sign: (data) => this.signer.sign(data),
      }),
    );
  }
}

/** Fills the placeholder of an ended document: the result is the signed PDF. */
export async function signPdf(pdf: Uint8Array, signer: ReportSigner): Promise<Uint8Array> {
  const signed = await new SignPdf().sign(Buffer.from(pdf), new ReportCmsSigner(signer));
  return new Uint8Array(signed);
}
