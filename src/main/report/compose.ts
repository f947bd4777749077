// Lays the report out, attaches the evidence, and signs it: model in, signed PDF bytes out.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { INFO_KEYS, LEDGER_ATTACHMENT, XMP_NS } from './format';
import { Canvas } from './layout/canvas';
import { drawToc } from './layout/toc';
import type { ReportModel } from './model/report-model';
import { drawCover } from './sections/cover';
import { drawKeys } from './sections/keys';
import { drawLedger } from './sections/ledger';
import { drawParticipants } from './sections/participants';
import { drawAttestation, drawFips } from './sections/posture';
import { drawQuorum } from './sections/quorum';
import { drawSignature } from './sections/signature';
import { drawTranscript } from './sections/transcript';
import { addSignaturePlaceholder, signPdf } from './sign/pades';

export interface RenderOptions {
  /** Keep every string drawn (the benchmark draws the same text with bare pdfkit). */
  collectText?: boolean;
  /** Further public files to attach, beside the ledger (path relative to the run, bytes). */
  attachments?: { name: string; bytes: Uint8Array; description: string }[];
}

export interface RenderedReport {
  pdf: Uint8Array;
  pages: number;
  drawn: string[] | null;
}

function xmp(m: ReportModel): string {
  return `<rdf:Description rdf:about="" xmlns:olocus="${XMP_NS}"><olocus:LedgerHead>${m.head}</olocus:LedgerHead><olocus:ReportId>${m.reportId.replace(/[<&>]/g, '')}</olocus:ReportId><olocus:LedgerRecords>${m.evidence.records.length}</olocus:LedgerRecords></rdf:Description>`;
}

function endDocument(doc: PDFKit.PDFDocument): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
    doc.end();
  });
}

export async function renderReport(
  m: ReportModel,
  options: RenderOptions = {},
): Promise<RenderedReport> {
  const e = m.evidence;
  const c = new Canvas({
    collectText: options.collectText ?? false,
    info: {
      Title: `Key ceremony report: ${e.ceremony.name}`,
      Author: 'Olocus Ceremony',
      Subject: `Ceremony ${e.ceremony.id}; ledger head ${m.head}`,
      Keywords: `key ceremony, audit, ${e.ceremony.id}`,
      Creator: 'Olocus Ceremony',
      CreationDate: m.generatedAt,
      ModDate: m.generatedAt,
      [INFO_KEYS.head]: m.head,
      [INFO_KEYS.reportId]: m.reportId,
      [INFO_KEYS.ceremonyId]: e.ceremony.id,
      [INFO_KEYS.records]: String(e.records.length),
    },
  });
  const { doc } = c;
  doc.appendXML(xmp(m));
  drawCover(c, m);
  doc.addPage(); // the contents page, filled in once the page numbers are known
  const tocPage = c.pageIndex;
  drawParticipants(c, m);
  drawQuorum(c, m);
  drawTranscript(c, m);
  drawKeys(c, m);
  drawAttestation(c, m);
  drawFips(c, m);
  drawLedger(c, m);
  drawSignature(c, m);

  doc.file(Buffer.from(e.ledgerBytes), {
    name: LEDGER_ATTACHMENT,
    type: 'application/x-ndjson',
    description: `Audit ledger of ceremony ${e.ceremony.id}: ${e.records.length} records, head ${m.head}`,
    creationDate: m.generatedAt,
    modifiedDate: m.generatedAt,
    relationship: 'Source',
  } as PDFKit.Mixins.PDFAttachmentOptions);
  for (const a of options.attachments ?? []) {
    doc.file(Buffer.from(a.bytes), {
      name: a.name,
      description: a.description,
      creationDate: m.generatedAt,
      modifiedDate: m.generatedAt,
      relationship: 'Supplement',
    } as PDFKit.Mixins.PDFAttachmentOptions);
  }

  drawToc(c, tocPage);
  c.finish(
    `${e.ceremony.name} - ledger head ${m.head.slice(0, 16)}...`,
    (page, pages) => `Report ${m.reportId} - page ${page} of ${pages}`,
  );
  const pages = doc.bufferedPageRange().count;
  addSignaturePlaceholder(doc, {
    reason: `Key ceremony report for ${e.ceremony.id}; ledger head ${m.head}`,
    location: e.ceremony.location ?? 'not recorded',
    name: m.signer.keyLabel,
    signingTime: m.generatedAt,
  });
  const unsigned = await endDocument(doc);
  return { pdf: await signPdf(unsigned, m.signer), pages, drawn: c.drawn };
}

/** The run's public files worth carrying inside the report beside the ledger. */
export async function evidenceAttachments(
  dir: string,
): Promise<{ name: string; bytes: Uint8Array; description: string }[]> {
  const out: { name: string; bytes: Uint8Array; description: string }[] = [];
  const add = async (rel: string, description: string) => {
    try {
      out.push({ name: rel, bytes: new Uint8Array(await readFile(join(dir, rel))), description });
    } catch {
      // Absent files are simply not attached; the report lists what the ledger recorded.
    }
  };
  await add('transcript.json', 'Ceremony transcript');
  await add('script.yaml', 'The reviewed ceremony script');
  for (const [sub, suffix, description] of [
    ['certificates', '.pem', 'Certificate issued in the ceremony'],
    ['attestations', '.json', 'Attestation verdict recorded in the ceremony'],
  ] as const) {
    let names: string[] = [];
    try {
      names = (await readdir(join(dir, sub))).filter((n) => n.endsWith(suffix)).sort();
    } catch {
      names = [];
    }
    for (const n of names) await add(`${sub}/${n}`, description);
  }
  return out;
}
