// Page 1: what an auditor checks first. The ledger head is printed in hex groups, in PGP words
// and as a QR code, so it can be compared by eye, read aloud, or scanned against the ledger.
import type { Canvas } from '../layout/canvas';
import { FONT } from '../layout/canvas';
import { drawQr } from '../layout/qr';
import { hexGroups, utc } from '../layout/text';
import type { ReportModel } from '../model/report-model';

export function outcomeOf(m: ReportModel): string {
  const steps = m.evidence.state?.steps ?? [];
  const done = steps.filter((s) => s.status === 'done').length;
  if (m.evidence.finished)
    return `Completed: all ${steps.length || 'scripted'} steps done, ceremony.finished recorded`;
  return `Incomplete: ${done} of ${steps.length} steps done, no ceremony.finished record`;
}

export function drawCover(c: Canvas, m: ReportModel): void {
  const { doc } = c;
  const e = m.evidence;
  doc.font(FONT.body).fontSize(9).fillColor('#555555');
  doc.text(c.record('OLOCUS CEREMONY - KEY CEREMONY EVIDENCE'), c.left, 70);
  doc.font(FONT.bold).fontSize(22).fillColor('black');
  doc.text(c.record('Key ceremony report'), c.left, 90);
  c.space(6);
  doc.font(FONT.bold).fontSize(15).text(c.record(e.ceremony.name), { width: c.width });
  c.space(12);
  c.kv([
    ['Ceremony id', e.ceremony.id],
    ['Date', `${utc(e.startedAt)} to ${utc(e.finishedAt)}`],
    ['Location', e.ceremony.location ?? 'not recorded'],
    ['Mode', e.ceremony.mode ?? 'run'],
    ['Outcome', outcomeOf(m)],
    [
      'Ledger',
      `${e.records.length} records; ${e.verification.ok ? 'hash chain and signatures verify' : `DOES NOT VERIFY: ${e.verification.firstBad?.message ?? ''}`}`,
    ],
    ['Report id', m.reportId],
    ['Generated', utc(m.generatedAt.toISOString())],
  ]);
  c.space(8);
  doc.font(FONT.bold).fontSize(12);
  doc.text(c.record('Ledger head (SHA-256 of the last record)'), c.left, doc.y);
  c.space(6);
  const top = doc.y;
  const qrSize = 128;
  const textWidth = c.width - qrSize - 16;
  doc.font(FONT.mono).fontSize(11);
  doc.text(c.record(hexGroups(m.head, 4)), c.left, top, { width: textWidth });
  doc.moveDown(0.6);
  doc.font(FONT.body).fontSize(9.5);
  doc.text(c.record(m.headWords), c.left, doc.y, { width: textWidth });
  drawQr(doc, m.head, c.left + c.width - qrSize, top, qrSize);
  doc.y = Math.max(doc.y, top + qrSize) + 12;
  c.note(
    'Compare this head with the one read aloud at the close of the ceremony and with the last line of audit.jsonl. ' +
      'The complete ledger is attached to this PDF (audit.jsonl). The PDF carries a PAdES signature made in the HSM; ' +
      'check it offline with "olocus-ceremony verify-report" or any PAdES validator (pdfsig, Acrobat).',
  );
}
