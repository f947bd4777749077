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
import { judgeSigner, readRoot } from './signer-anchor';

export interface ReportVerifyOptions {
  /**
   * The root certificate (PEM or DER) the signer must chain to, e.g. the one whose fingerprint
   * was read aloud. Without it, the chain must reach the root the embedded ledger records.
   */
  root?: Uint8Array;
}

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
  /** What the signing certificate chains to, in words (see signer-anchor.ts). */
  chainsTo: string;
  /** The root given by the caller, when one was. */
  givenRoot: { sha256: string; subject: string } | null;
  ledger: {
    present: boolean;
    ok: boolean;
    records: number;
    head: string | null;
    headWords: string | null;
    firstBad: string | null;
    /** The root certificate of the signature was issued in this ceremony (ledger seq). */
    rootIssuedAtSeq: number | null;
    /** The audit key the embedded ledger's record 0 names (SPKI SHA-256). */
    auditKeySha256: string | null;
    /** Whether it ends with ceremony.finished and a head signature over it, in words. */
    completeness: string | null;
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

/** The ledger attached to a report PDF, or undefined when it has none or cannot be read. */
export function embeddedLedger(bytes: Uint8Array): Uint8Array | undefined {
  try {
    return new PdfFile(bytes).attachments().get(LEDGER_ATTACHMENT);
  } catch {
    return undefined;
  }
}

export async function verifyReport(
  source: string | Uint8Array,
  options: ReportVerifyOptions = {},
): Promise<ReportVerification> {
  let givenRoot: { sha256: string; subject: string } | null = null;
  if (options.root) {
    try {
      givenRoot = readRoot(options.root);
    } catch (cause) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `The root given is not an X.509 certificate in PEM or DER: ${(cause as Error).message}.`,
        { cause },
      );
    }
  }
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
    chainsTo: 'nothing: the report could not be read',
    givenRoot,
    ledger: {
      present: false,
      ok: false,
      records: 0,
      head: null,
      headWords: null,
      firstBad: null,
      rootIssuedAtSeq: null,
      auditKeySha256: null,
      completeness: null,
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
    if (result.signature)
      result.chainsTo = judgeSigner(result.signature, [], givenRoot ?? undefined).chainsTo;
  } else {
    // A report is made once the ceremony finished: its ledger must end there, signed.
    const v = verifyLedgerBytes(ledgerBytes, { requireAuditKey: true, requireComplete: true });
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
      auditKeySha256: v.auditKey?.fingerprint_sha256 ?? null,
      completeness: v.completeness.message,
    };
    if (!v.ok)
      failures.push({
        check: 'embedded-ledger',
        message: `The embedded ledger does not verify: ${v.firstBad?.message ?? 'unknown reason'}`,
      });
    if (result.signature) {
      // Only records that verified count: a forged tail cannot name a signer or a root.
      const anchor = judgeSigner(
        result.signature,
        records.slice(0, v.records),
        givenRoot ?? undefined,
      );
      result.chainsTo = anchor.chainsTo;
      if (anchor.problem) failures.push({ check: 'certificate-chain', message: anchor.problem });
    }
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
