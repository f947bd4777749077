// Reports changed after signing: an incremental update appended after the signature, and a
// second signature added that way. verify-report reads the update (following /Prev), and says
// that what was appended is not covered by the signature; a report with two signatures fails.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner } from '../../src/main/audit';
import { buildReport, softwareReportSigner, verifyReport } from '../../src/main/report';
import type { PdfRef } from '../../src/main/report/verify/pdf-objects';
import { PdfFile } from '../../src/main/report/verify/pdf-objects';

const dir = mkdtempSync(join(tmpdir(), 'olocus-report-incr-'));
let signed: Uint8Array;

beforeAll(async () => {
  const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
  const ledger = await Ledger.create(join(dir, 'audit.jsonl'), {
    ceremonyId: 'u',
    actor: 'A',
    signer,
  });
  await ledger.append({
    actor: 'A',
    step: null,
    type: 'ceremony.started',
    data: {
      id: 'u',
      name: 'U',
      location: 'R',
      roles: { administrator: 'A', officers: ['B', 'C'], witnesses: [] },
      quorum: { threshold: 2, total: 2 },
    },
  });
  // As finish.ts does: the report signer is named in the ledger before the ceremony ends, so
  // the only failures left are the ones each test makes.
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const reportSigner = await softwareReportSigner(key, { ceremonyId: 'u' });
  await ledger.append({ actor: 'A', step: null, type: 'report.signer', data: reportSigner.record });
  await ledger.append({ actor: 'A', step: null, type: 'ceremony.finished', data: {} });
  await ledger.signHead({ actor: 'A', step: null });
  await ledger.close();
  signed = (await buildReport(dir, { signer: reportSigner })).pdf;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Appends an incremental update (new or replaced objects, a cross-reference section, /Prev). */
function appendUpdate(pdf: Uint8Array, objects: Record<number, string>): Uint8Array {
  const old = new PdfFile(pdf);
  const tail = Buffer.from(pdf.subarray(pdf.length - 64)).toString('latin1');
  const prev = Number(/startxref\s+(\d+)/.exec(tail)![1]);
  let body = '\n';
  const offsets: [number, number][] = [];
  for (const [num, text] of Object.entries(objects)) {
    offsets.push([Number(num), pdf.length + Buffer.byteLength(body, 'latin1')]);
    body += `${num} 0 obj\n${text}\nendobj\n`;
  }
  const xrefAt = pdf.length + Buffer.byteLength(body, 'latin1');
  body += 'xref\n0 1\n0000000000 65535 f \n';
  for (const [num, off] of offsets) body += `${num} 1\n${String(off).padStart(10, '0')} 00000 n \n`;
  const size = Math.max(Number(old.trailer.get('Size')), ...offsets.map(([n]) => n + 1));
  const ref = (k: string) => {
    const r = old.trailer.get(k) as PdfRef;
    return `${r.num} ${r.gen} R`;
  };
  body += `trailer\n<< /Size ${size} /Root ${ref('Root')} /Info ${ref('Info')} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return new Uint8Array(Buffer.concat([pdf, Buffer.from(body, 'latin1')]));
}

describe('verify-report on a report changed after signing', () => {
  it('the untouched report verifies', async () => {
    expect((await verifyReport(signed)).failures).toEqual([]);
  });

  it('an incremental update after the signature: says the appended bytes are not covered', async () => {
    const catalog = new PdfFile(signed).catalog;
    const vp = (catalog.get('ViewerPreferences') as PdfRef).num;
    const changed = appendUpdate(signed, { [vp]: '<< /DisplayDocTitle false >>' });
    const v = await verifyReport(changed);
    // Everything the update did not touch still reads: the parser followed /Prev.
    expect(v.failures.map((f) => f.check)).toEqual(['coverage']);
    const appended = changed.length - signed.length;
    expect(v.failures[0]!.message).toBe(
      `the signed byte ranges do not cover the whole file: ${appended} bytes were appended after the signature (an incremental update), and what they change is not covered by it`,
    );
    expect(v.signature).toMatchObject({
      unsignedTrailingBytes: appended,
      digestMatches: true,
      count: 1,
    });
    expect(v.ok).toBe(false);
  });

  it('a second signature added by an update: the report fails, naming both problems', async () => {
    const pdf = new PdfFile(signed);
    const formRef = pdf.catalog.get('AcroForm') as PdfRef;
    const fields = (pdf.dict(formRef)!.get('Fields') as PdfRef[]).map((r) => `${r.num} 0 R`);
    const n = Number(pdf.trailer.get('Size'));
    const changed = appendUpdate(signed, {
      [formRef.num]: `<< /Type /AcroForm /SigFlags 3 /Fields [${fields.join(' ')} ${n} 0 R] >>`,
      [n]: `<< /FT /Sig /T (Second) /V ${n + 1} 0 R >>`,
      [n + 1]:
        '<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 30] /Contents <00> >>',
    });
    const v = await verifyReport(changed);
    expect(v.signature?.count).toBe(2);
    const coverage = v.failures.find((f) => f.check === 'coverage')?.message ?? '';
    expect(coverage).toMatch(/carries 2 signatures where a report carries one/);
    expect(coverage).toMatch(/bytes were appended after the signature/);
    expect(v.ok).toBe(false);
  });

  it('a /Prev loop or a pointer outside the file is refused as unreadable, quickly', async () => {
    const s = Buffer.from(signed).toString('latin1');
    const xrefAt = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(s)![1]);
    const loop = s.replace(/trailer\s*<</, (m) => `${m} /Prev ${xrefAt}`);
    const v = await verifyReport(new Uint8Array(Buffer.from(loop, 'latin1')));
    expect(v.failures).toEqual([
      {
        check: 'pdf',
        message:
          'Not a PDF this verifier can read: the cross-reference sections loop or point outside the file.',
      },
    ]);
  });
});
