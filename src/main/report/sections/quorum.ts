// Quorum evidence: the commitments published when each secret was split, then every share
// presented, each checked against those commitments, and the moments the quorum was met.
import type { Canvas } from '../layout/canvas';
import { clock } from '../layout/text';
import type { ReportModel } from '../model/report-model';
import { cardFates, quorumEvents, splits } from '../model/ledger-views';

export function drawQuorum(c: Canvas, m: ReportModel): void {
  const records = m.evidence.records;
  c.section('3. Quorum evidence');
  const published = splits(records);
  if (published.length === 0) c.para('No secret was split in this ceremony.');
  for (const s of published) {
    c.heading(`Split "${s.split}" (${s.threshold} of ${s.total})`, false);
    c.kv([
      ['Protects', s.protects],
      ['Split at', `step ${s.step ?? '-'}, ledger seq ${s.seq}`],
    ]);
    c.table(
      [
        { header: 'Custodian', width: 1.5 },
        { header: 'Share commitment (SHA-256)', width: 4.5, mono: true },
      ],
      Object.entries(s.commitments).map(([who, commitment]) => [who, commitment]),
    );
  }
  drawCards(c, records);
  c.heading('Shares presented');
  const events = quorumEvents(records);
  if (events.length === 0) {
    c.para('No share was presented.');
    return;
  }
  c.table(
    [
      { header: 'Seq', width: 0.6 },
      { header: 'Time', width: 0.9 },
      { header: 'Step', width: 1.3 },
      { header: 'Event', width: 1 },
      { header: 'Custodian(s)', width: 1.9 },
      { header: 'Commitment check', width: 3.8 },
    ],
    events.map((q) => [String(q.seq), clock(q.time), q.step ?? '-', q.kind, q.custodian, q.check]),
  );
  const bad = events.filter((q) => q.kind === 'accepted' && q.check.startsWith('NO MATCH'));
  c.note(
    bad.length === 0
      ? 'Every accepted share matched the commitment published for its custodian when the secret was split.'
      : `${bad.length} accepted share(s) matched no published commitment: investigate before relying on this ceremony.`,
  );
}

/** Card digests and their fate; the cards themselves never appear in the report. */
function drawCards(c: Canvas, records: ReportModel['evidence']['records']): void {
  const fates = cardFates(records);
  if (fates.length === 0) return;
  c.heading('Share cards (SHA-256 of each card PDF)', false);
  c.table(
    [
      { header: 'Seq', width: 0.6 },
      { header: 'Custodian', width: 1.5 },
      { header: 'Card SHA-256', width: 4.4, mono: true },
      { header: 'Fate', width: 2.5 },
    ],
    fates.map((f) => [String(f.seq), f.custodian, f.sha256, f.fate]),
  );
  const kept = fates.filter((f) => f.fate.startsWith('KEPT')).length;
  c.note(
    kept === 0
      ? 'Every share card was printed, handed to its custodian and destroyed before the run finished.'
      : `${kept} share card(s) were KEPT in the run directory because the script says keep_cards: true: whoever holds that directory holds those shares.`,
  );
}
