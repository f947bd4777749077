// Screen 10: the ledger as it grows, the witness sign-offs the run is waiting for, and the
// check of the whole chain.
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { ConfirmButton, ErrorNote, Fingerprint, Note, Screen, useCall } from '../components/common';
import { AuditVerdict } from '../components/audit-verdict';
import { timeOfDay } from '../logic/text';
import { appStore, useApp } from '../store';
import type { WitnessAsk } from '../store/run-slice';
import { AuditFilter, type AuditAnswer } from './AuditFilter';

function SignOff({ ask }: { ask: WitnessAsk }) {
  const sign = useCall((name: string | null) => api().signOff({ requestId: ask.requestId, name }));
  return (
    <div className="panel witness" role="group" aria-labelledby={`w-${ask.requestId}`}>
      <h3 id={`w-${ask.requestId}`}>Witness sign-off: {ask.title}</h3>
      <blockquote>{ask.statement}</blockquote>
      <div className="actions">
        {ask.witnesses.map((w) => (
          <button key={w} type="button" disabled={sign.busy} onClick={() => void sign.run(w)}>
            Sign off as {w}
          </button>
        ))}
        <ConfirmButton
          label="No witness signs"
          confirm="Yes: no witness signs this step"
          disabled={sign.busy}
          onConfirm={() => void sign.run(null)}
        />
      </div>
      <ErrorNote error={sign.error} title="Not signed" />
    </div>
  );
}

/** Rows in the table: a screen's worth, newest last. */
const SHOWN = 200;
/** Records read from the file at once: the contract's MAX_LEDGER_PAGE (zod stays out of here). */
const LEDGER_PAGE = 1000;

export function AuditTimeline() {
  const ledger = useApp((s) => s.ledger);
  const asks = useApp((s) => s.witnessAsks);
  const runDir = useApp((s) => s.runResult?.dir ?? s.runDir);
  const runState = useApp((s) => s.runState);
  const ledgerPath = runDir ? `${runDir}/audit.jsonl` : '';
  // The live view: an unfinished ledger is shown as such, not failed (the Report screen requires
  // a complete one, and pins the key from the run's report).
  const verify = useCall(() =>
    api().verifyAudit({ path: runDir ?? ledgerPath, requireComplete: false }),
  );
  const [total, setTotal] = useState<number | null>(null);
  const [answer, setAnswer] = useState<AuditAnswer | null>(null);

  useEffect(() => {
    // The file adds what events do not carry (a summary of each record's data), and is the
    // whole story for a run opened from Home. Merged by seq, so live rows are never lost.
    // A ledger longer than a page is read from its end: the officer wants what just happened.
    if (!runDir || runState === 'starting') return;
    void api()
      .readLedger({ path: runDir, limit: LEDGER_PAGE, fromEnd: true })
      .then((r) => {
        if (!r.ok) return;
        setTotal(r.value.total);
        appStore.getState().loadLedger(r.value.records);
      });
  }, [runDir, runState]);

  const v = verify.value;
  const rows = answer ? answer.records : ledger;
  const seenTypes = [...new Set(ledger.map((r) => r.type))];
  return (
    <Screen
      title="Audit timeline"
      intro="Every record of the hash-chained ledger, as it is written. The chain head is signed by the HSM at each step."
    >
      {asks.length > 0 ? (
        <section aria-labelledby="signoffs">
          <h2 id="signoffs">Waiting for a witness</h2>
          {asks.map((a) => (
            <SignOff key={a.requestId} ask={a} />
          ))}
        </section>
      ) : null}
      <section className="panel" aria-labelledby="verify-h">
        <h2 id="verify-h">Verify</h2>
        <div className="actions">
          <button
            type="button"
            onClick={() => void verify.run()}
            disabled={!ledgerPath || verify.busy}
          >
            {verify.busy ? 'Verifying…' : 'Verify the audit ledger'}
          </button>
        </div>
        {v ? <AuditVerdict v={v} /> : null}
        {v ? <Fingerprint label="Ledger head" hex={v.head} words={v.headWords} /> : null}
        <ErrorNote error={verify.error} title="Not verified" />
      </section>
      <AuditFilter ledgerPath={ledgerPath} seenTypes={seenTypes} onAnswer={setAnswer} />
      <section className="panel" aria-labelledby="timeline">
        <h2 id="timeline">
          {answer
            ? `Ledger: ${answer.matched} of ${answer.scanned} records match the filter`
            : `Ledger (${Math.max(ledger.length, total ?? 0)} records)`}
        </h2>
        {answer && !answer.ok ? <Note>No record is shown: the ledger does not verify.</Note> : null}
        {rows.length > SHOWN ? (
          <p className="muted">
            Showing the newest {SHOWN}; Verify reads every record, and the whole ledger is the run
            folder&apos;s audit.jsonl.
          </p>
        ) : null}
        {rows.length === 0 ? (
          answer ? null : (
            <Note>No records yet.</Note>
          )
        ) : (
          <table className="timeline">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Step</th>
                <th scope="col">Event</th>
                <th scope="col">Actor</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(-SHOWN).map((r) => (
                <tr key={r.seq}>
                  <td>{r.seq}</td>
                  <td>{timeOfDay(r.time)}</td>
                  <td>{r.step ?? '—'}</td>
                  <td>
                    <code>{r.type}</code>
                    {r.summary ? <div className="muted">{r.summary}</div> : null}
                  </td>
                  <td>{r.actor}</td>
                  <td>
                    <code className="hash-short" title={r.hash}>
                      {r.hash.slice(0, 12)}…
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Screen>
  );
}
