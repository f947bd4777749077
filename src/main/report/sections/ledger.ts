// The audit ledger: its verification, a summary by event type, the head signatures, and where
// the complete file is (attached to this PDF).
import type { Canvas } from '../layout/canvas';
import { hexGroups, utc } from '../layout/text';
import type { ReportModel } from '../model/report-model';
import { recordsOfType, typeSummary } from '../model/ledger-views';

export function drawLedger(c: Canvas, m: ReportModel): void {
  const e = m.evidence;
  const v = e.verification;
  c.section('8. Audit ledger');
  c.kv([
    [
      'Verification',
      v.ok
        ? 'OK: hash chain intact, every head signature valid'
        : `FAILED: ${v.firstBad?.message ?? 'unknown'}`,
    ],
    ['Records', `${e.records.length} (${v.records} verified)`],
    [
      'Head signatures',
      `${v.signaturesChecked} checked; last signed record ${v.lastSignedSeq ?? 'none'}; ${v.unsignedTail} record(s) after it`,
    ],
    ['Ledger head', hexGroups(m.head), { mono: true }],
    ['Attached file', `audit.jsonl, ${e.ledgerBytes.byteLength} bytes, SHA-256 ${m.ledgerSha256}`],
  ]);
  c.heading('Events by type');
  c.table(
    [
      { header: 'Event type', width: 2 },
      { header: 'Count', width: 0.7 },
      { header: 'Seq range', width: 1.2 },
      { header: 'First (UTC)', width: 2 },
      { header: 'Last (UTC)', width: 2 },
    ],
    typeSummary(e.records).map((t) => [
      t.type,
      String(t.count),
      `${t.firstSeq}-${t.lastSeq}`,
      utc(t.firstTime),
      utc(t.lastTime),
    ]),
  );
  const signed = recordsOfType(e.records, 'chain.signed');
  c.heading('Head signatures');
  c.table(
    [
      { header: 'Seq', width: 0.6 },
      { header: 'Signs up to', width: 0.9 },
      { header: 'Time (UTC)', width: 1.7 },
      { header: 'Head signed', width: 5.2, mono: true },
    ],
    signed.map((r) => [
      String(r.seq),
      String(r.data.seq_signed ?? '-'),
      utc(r.time),
      String(r.data.head ?? '-'),
    ]),
  );
  c.note(
    'The complete ledger is embedded in this PDF as the attachment audit.jsonl (open the attachments pane of your viewer). Its format is specified in FORMAT.md; verify it with "olocus-ceremony verify-audit".',
  );
}
