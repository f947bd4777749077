// verifyReport: what an auditor runs on a report PDF, offline. It checks the PAdES signature and
// its chain, takes the ledger out of the PDF and verifies its hash chain and audit-key signatures,
// and checks that the head printed on the cover and written into the metadata is that ledger's
// head. A failed check is a result naming it, not an exception; only an unreadable path throws.
import { readFile } from 'node:fs/promises';
import { verifyLedgerBytes } from '../../audit/index';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { INFO_KEYS, LEDGER_ATTACHMENT, XMP_NS } from '../format';
import { parseRecords } from '../model/run-evidence';
import { PdfFile, pdfText, shownText } from './pdf-objects';
import { checkSignature, type SignatureCheck } from './signature-check';

export type ReportCheck =
  'pdf' | 'signature' | 'coverage' | 'certificate-chain' | 'embedded-ledger' | 'ledger-head';

export interface ReportFailure {
  check: ReportCheck;
  message: string;
}

export interface ReportVerification {
  ok: boolean;
  failures: ReportFailure[];
  signature: SignatureCheck | null;
  ledger: {
    present: boolean;
    ok: boolean;
    records: number;
    head: string | null;
    headWords: string | null;
    firstBad: string | null;
    /** The root certificate of the signature was issued in this ceremony (ledger seq). */
    rootIssuedAtSeq: number | null;
  };
  head: {
    info: string | null;
    xmp: string | null;
    /** The metadata head was found in the cover page's text. */
    onCover: boolean;
  };
}

function xmpHead(pdf: PdfFile): string | null {
  const xml = pdf.streamOf(pdf.catalog.get('Metadata'));
  if (!xml) return null;
  const text = Buffer.from(xml).toString('utf8');
  if (!text.includes(XMP_NS)) return null;
  return /<olocus:LedgerHead>([0-9a-f]{64})<\/olocus:LedgerHead>/.exec(text)?.[1] ?? null;
}

export async function verifyReport(source: string | Uint8Array): Promise<ReportVerification> {
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = new Uint8Array(await readFile(source));
    } catch (cause) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Cannot read the report ${source}: ${(cause as Error).message}.`,
        { cause },
      );
    }
  } else bytes = source;

  const failures: ReportFailure[] = [];
  const result: ReportVerification = {
    ok: false,
    failures,
    signature: null,
    ledger: {
      present: false,
      ok: false,
      records: 0,
      head: null,
      headWords: null,
      firstBad: null,
      rootIssuedAtSeq: null,
    },
    head: { info: null, xmp: null, onCover: false },
  };
  let pdf: PdfFile;
  try {
    pdf = new PdfFile(bytes);
  } catch (e) {
    failures.push({
      check: 'pdf',
      message: `Not a PDF this verifier can read: ${(e as Error).message}.`,
    });
    return result;
  }

  try {
    const sig = checkSignature(pdf);
    result.signature = sig;
    if (!sig.present) failures.push({ check: 'signature', message: 'The PDF is not signed.' });
    else {
      if (!sig.wholeDocument || sig.subFilter !== 'ETSI.CAdES.detached' || sig.count > 1)
        failures.push({
          check: 'coverage',
          message: sig.problems
            .filter((p) => /byte ranges|SubFilter|signatures/.test(p))
            .join('; '),
        });
      if (!sig.digestMatches || !sig.signatureValid || !sig.signingCertificateAttribute)
        failures.push({
          check: 'signature',
          message: sig.problems
            .filter((p) => !/byte ranges|SubFilter|chain|signatures where/.test(p))
            .join('; '),
        });
      if (!sig.chain.ok) failures.push({ check: 'certificate-chain', message: sig.chain.message });
    }
  } catch (e) {
    failures.push({
      check: 'signature',
      message: `The signature could not be read: ${(e as Error).message}.`,
    });
  }

  try {
    result.head.info = pdfText(pdf.resolve(pdf.info?.get(INFO_KEYS.head)));
    result.head.xmp = xmpHead(pdf);
  } catch (e) {
    failures.push({
      check: 'ledger-head',
      message: `The metadata could not be read: ${(e as Error).message}.`,
    });
  }
  const printed = result.head.info ?? result.head.xmp;
  try {
    const cover = shownText(pdf.pageContent(0)).join('').replace(/\s+/g, '').toLowerCase();
    result.head.onCover = printed !== null && cover.includes(printed);
  } catch {
    result.head.onCover = false;
  }

  let ledgerBytes: Uint8Array | undefined;
  try {
    ledgerBytes = pdf.attachments().get(LEDGER_ATTACHMENT);
  } catch (e) {
    failures.push({
      check: 'embedded-ledger',
      message: `The attachments could not be read: ${(e as Error).message}.`,
    });
  }
  if (!ledgerBytes) {
    if (!failures.some((f) => f.check === 'embedded-ledger'))
      failures.push({
        check: 'embedded-ledger',
        message: `No ${LEDGER_ATTACHMENT} is attached to the PDF.`,
      });
  } else {
    const v = verifyLedgerBytes(ledgerBytes, { requireAuditKey: true });
    const records = parseRecords(ledgerBytes);
    const root = result.signature?.chain.rootSha256;
    const issued = root
      ? records.find((r) => r.type === 'certificate.issued' && r.data.sha256 === root)
      : undefined;
    result.ledger = {
      present: true,
      ok: v.ok,
      records: v.records,
      head: v.head,
      headWords: v.headWords,
      firstBad: v.firstBad?.message ?? null,
      rootIssuedAtSeq: issued?.seq ?? null,
    };
    if (!v.ok)
      failures.push({
        check: 'embedded-ledger',
        message: `The embedded ledger does not verify: ${v.firstBad?.message ?? 'unknown reason'}`,
      });
    if (root && !issued && result.signature?.chain.kind === 'root-issued')
      failures.push({
        check: 'certificate-chain',
        message:
          'The root certificate of the signature is not one the embedded ledger records as issued.',
      });
  }

  // The printed head is the external anchor: the embedded ledger must end exactly there.
  const head = result.ledger.head;
  if (!printed)
    failures.push({
      check: 'ledger-head',
      message: 'The report carries no ledger head in its metadata.',
    });
  else if (result.head.info && result.head.xmp && result.head.info !== result.head.xmp)
    failures.push({
      check: 'ledger-head',
      message: 'The document information and the XMP metadata give different ledger heads.',
    });
  else if (!result.head.onCover)
    failures.push({
      check: 'ledger-head',
      message: `The cover page does not show the head ${printed} given in the metadata.`,
    });
  else if (head && head !== printed)
    failures.push({
      check: 'ledger-head',
      message: `The cover shows ledger head ${printed}, but the embedded ledger ends at ${head}: the ledger was swapped or cut.`,
    });

  result.ok = failures.length === 0;
  return result;
}
