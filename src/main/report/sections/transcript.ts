// The ceremony step by step: the script's order from state.json, the times, actor and results
// from the ledger's step.* records.
import type { Canvas } from '../layout/canvas';
import { clock, duration, summarise } from '../layout/text';
import type { ReportModel } from '../model/report-model';
import { stepRows } from '../model/ledger-views';

export function drawTranscript(c: Canvas, m: ReportModel): void {
  c.section('4. Step-by-step transcript');
  const rows = stepRows(m.evidence.records);
  const state = m.evidence.state?.steps ?? [];
  // Script order first (state.json), then anything the ledger has that the state does not.
  const ordered = [
    ...state.map((s) => ({ s, r: rows.find((r) => r.step === s.id) })),
    ...rows.filter((r) => !state.some((s) => s.id === r.step)).map((r) => ({ s: undefined, r })),
  ];
  c.table(
    [
      { header: '#', width: 0.35 },
      { header: 'Step', width: 2.2 },
      { header: 'Started', width: 0.85 },
      { header: 'Done', width: 0.85 },
      { header: 'Took', width: 0.9 },
      { header: 'Actor', width: 1.3 },
      { header: 'Result', width: 3.9 },
    ],
    ordered.map(({ s, r }, i) => {
      const title = r?.title || s?.id || r?.step || '?';
      const witness = s?.witness ? `; witnessed by ${s.witness.name}` : '';
      const extra = r?.other.length ? `; also ${r.other.join(', ')}` : '';
      return [
        String(i + 1),
        `${title}\n(${s?.id ?? r?.step}, ${s?.type ?? r?.type})`,
        clock(r?.started ?? s?.startedAt),
        clock(r?.completed ?? s?.doneAt),
        duration(r?.started ?? s?.startedAt, r?.completed ?? s?.doneAt),
        r?.actor ?? '-',
        `${s?.status ?? (r?.completed ? 'done' : 'started')}: ${summarise(r?.results ?? s?.results ?? null)}${witness}${extra}`,
      ];
    }),
  );
}
