// The report's own signature: the signing certificate and the root it chains to, printed so a
// reader without software can still compare fingerprints with the key inventory.
import { X509Certificate, createHash } from 'node:crypto';
import { toPgpWords } from '../../audit/index';
import type { Canvas } from '../layout/canvas';
import { hexGroups, utc } from '../layout/text';
import type { ReportModel } from '../model/report-model';

function describe(c: Canvas, title: string, der: Uint8Array): void {
  const x = new X509Certificate(der);
  const sha = createHash('sha256').update(der).digest('hex');
  c.heading(title, false);
  c.kv([
    ['Subject', x.subject.replace(/\n/g, ', ')],
    ['Issuer', x.issuer.replace(/\n/g, ', ')],
    ['Serial', x.serialNumber.toLowerCase(), { mono: true }],
    [
      'Valid',
      `${utc(new Date(x.validFrom).toISOString())} to ${utc(new Date(x.validTo).toISOString())}`,
    ],
    ['Certificate SHA-256', hexGroups(sha), { mono: true }],
    ['In words', toPgpWords(sha).join(' ')],
  ]);
}

export function drawSignature(c: Canvas, m: ReportModel): void {
  c.section('9. Report signature');
  c.para(
    'This PDF carries a PAdES signature (SubFilter ETSI.CAdES.detached, ECDSA P-256 with SHA-256) over the whole file except the signature value itself. ' +
      (m.signer.issuedBy === 'ceremony-root'
        ? `The signing key was generated in the ceremony HSM and its certificate was issued by the ceremony root key "${m.signer.rootKeyLabel}", so the signature chains to the root certificate listed in section 5.`
        : 'The signing certificate is self-signed: compare its fingerprint below with the one recorded for this ceremony.'),
  );
  c.kv([
    ['Signing key', m.signer.keyLabel],
    ['Where the key lives', m.signer.keyLocation],
    ['Report id', m.reportId],
  ]);
  describe(c, 'Signing certificate', m.signer.certificate);
  m.signer.chain.forEach((der, i) =>
    describe(
      c,
      i === m.signer.chain.length - 1 ? 'Root certificate' : 'Intermediate certificate',
      der,
    ),
  );
  c.heading('How to verify', false);
  c.para('olocus-ceremony verify-report report.pdf', { mono: true });
  c.para(
    'checks the signature, the certificate chain, the embedded ledger (hash chain and audit-key signatures) and that the ledger head on the cover and in the document metadata is the head of the embedded ledger. ' +
      'pdfsig report.pdf (poppler) checks the signature alone.',
  );
}
