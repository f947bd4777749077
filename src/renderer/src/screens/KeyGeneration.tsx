// Screen 6: the run as it goes (steps, progress), then the keys with their fingerprints as hex
// and PGP words, and the share cards issued with where each one is to print.
import { useState } from 'react';
import { api } from '../api/client';
import { ErrorNote, Fingerprint, Note, Screen } from '../components/common';
import { OpenStatus, useOpenFile } from '../components/open-file';
import { stepStatuses } from '../logic/steps';
import { inRunDir, secretName } from '../logic/text';
import { appStore, useApp } from '../store';

const STATUS_TEXT = { pending: 'pending', running: 'in progress', done: 'done' } as const;

export function KeyGeneration() {
  const plan = useApp((s) => s.script?.plan ?? null);
  const ledger = useApp((s) => s.ledger);
  const progress = useApp((s) => s.progress);
  const cards = useApp((s) => s.cards);
  const runDir = useApp((s) => s.runDir);
  const runId = useApp((s) => s.runId);
  const runState = useApp((s) => s.runState);
  const runError = useApp((s) => s.runError);
  const result = useApp((s) => s.runResult);
  const [copied, setCopied] = useState<string | null>(null);
  const [cancelNote, setCancelNote] = useState<string | null>(null);
  const opener = useOpenFile();

  const steps = plan?.steps ?? [];
  const status = stepStatuses(
    steps.map((s) => s.id),
    ledger,
  );
  const done = steps.filter((s) => status[s.id] === 'done').length;

  const copy = async (path: string) => {
    try {
      await navigator.clipboard.writeText(path);
      setCopied(path);
    } catch {
      setCopied(null);
    }
  };

  const cancel = async () => {
    if (!runId) return;
    const r = await api().cancelRun({ runId });
    setCancelNote(r.ok ? r.value.message : r.error.message);
  };

  return (
    <Screen
      title="Key generation & backup"
      intro="The run's steps as the HSM does them. Read the fingerprints aloud when they appear."
    >
      <section className="panel" aria-labelledby="run-steps">
        <h2 id="run-steps">
          Steps{' '}
          <span className="muted">
            ({done} of {steps.length} done · run {runState})
          </span>
        </h2>
        <progress max={Math.max(steps.length, 1)} value={done} aria-label="Steps done" />
        <ol className="steps compact">
          {steps.map((s) => (
            <li key={s.id} className={`step-${status[s.id]}`}>
              <span className="step-no">{s.number}</span> {s.title}{' '}
              <span className={`badge badge-${status[s.id]}`}>
                {STATUS_TEXT[status[s.id] ?? 'pending']}
              </span>
            </li>
          ))}
        </ol>
        {runState === 'running' ? (
          <div className="actions">
            <button type="button" className="danger" onClick={() => void cancel()}>
              Cancel the run
            </button>
          </div>
        ) : null}
        {cancelNote ? <Note live>{cancelNote}</Note> : null}
        <ErrorNote
          error={runState === 'failed' || runState === 'cancelled' ? runError : null}
          title="The run stopped"
        />
      </section>

      <section className="panel" aria-labelledby="progress-log">
        <h2 id="progress-log">Progress</h2>
        {progress.length === 0 ? (
          <p className="muted">Nothing yet.</p>
        ) : (
          <div role="log" aria-live="polite" aria-label="Run progress">
            <ol className="log">
              {progress.slice(-12).map((p, i) => (
                <li key={progress.length - 12 + i} className={`log-${p.kind}`}>
                  {p.message}
                </li>
              ))}
            </ol>
          </div>
        )}
      </section>

      {result ? (
        <section className="panel" aria-labelledby="results">
          <h2 id="results">Results</h2>
          {result.keys.map((k) =>
            k.spkiSha256 ? (
              <Fingerprint
                key={k.label}
                label={`${k.label} (${k.type}) public key SHA-256`}
                hex={k.spkiSha256}
                words={k.spkiWords}
              />
            ) : (
              <p key={k.label}>
                {k.label} ({k.type}): no public key fingerprint
              </p>
            ),
          )}
          <Fingerprint
            label={`Ledger head (${result.ledger.records} records)`}
            hex={result.ledger.head}
            words={result.ledger.headWords}
          />
        </section>
      ) : null}

      <section className="panel" aria-labelledby="cards">
        <h2 id="cards">Share cards issued</h2>
        {cards.length === 0 ? (
          <p className="muted">No cards issued in this run yet.</p>
        ) : (
          <>
            <p>
              Print each card and hand it to its custodian in a sealed envelope; then delete the
              PDF.
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Custodian</th>
                  <th scope="col">Protects</th>
                  <th scope="col">Card (PDF)</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {cards.map((c) => {
                  const path = inRunDir(runDir, c.card);
                  return (
                    <tr key={`${c.secretId}:${c.custodian}`}>
                      <td>{c.custodian}</td>
                      <td>{secretName(c.secretId)}</td>
                      <td>
                        <code>{path}</code>
                      </td>
                      <td>
                        <button type="button" className="secondary" onClick={() => void copy(path)}>
                          {copied === path ? 'Copied' : 'Copy path'}
                          <span className="sr-only">
                            {' '}
                            for {c.custodian}, {c.secretId}
                          </span>
                        </button>{' '}
                        <button
                          type="button"
                          className="secondary"
                          disabled={opener.busy}
                          onClick={() => void opener.open(path)}
                        >
                          Open
                          <span className="sr-only">
                            {' '}
                            the card of {c.custodian}, {c.secretId}
                          </span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
        <OpenStatus outcome={opener.outcome} label="Opening a card" />
      </section>
      {runState === 'finished' ? (
        <div className="actions">
          <button type="button" onClick={() => appStore.getState().go('report')}>
            Continue to the report
          </button>
        </div>
      ) : null}
    </Screen>
  );
}
