// Batch signing from the app: every file of a directory signed through an HSM group (or one
// key), with the counts as they arrive (batchProgress events) and, when it ends, the signed
// manifest: which member signed each file. A rerun into the same directory resumes.
import { useEffect, useId, useState } from 'react';
import type { EventOf, IpcError, ResponseOf } from '../../../shared/olocus-api';
import { api } from '../api/client';
import { ErrorNote, Row, useCall } from './common';

type Status = ResponseOf<'signBatchStatus'>;
type Progress = Omit<EventOf<'batchProgress'>, 'batchId'>;

export function BatchSignPanel() {
  const id = useId();
  const [key, setKey] = useState('group:');
  const [inDir, setInDir] = useState('');
  const [outDir, setOutDir] = useState('');
  const [batchId, setBatchId] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [failure, setFailure] = useState<IpcError | null>(null);
  const start = useCall(() => api().signBatchStart({ key, inDir, outDir }));

  useEffect(() => {
    if (!batchId) return;
    const offProgress = api().onBatchProgress((p) => {
      if (p.batchId !== batchId) return;
      const { batchId: _id, ...counts } = p;
      setProgress(counts);
    });
    const offFinished = api().onBatchFinished((e) => {
      if (e.batchId !== batchId) return;
      void api()
        .signBatchStatus({ batchId })
        .then((r) => {
          if (!r.ok) return setFailure(r.error);
          setStatus(r.value);
          setProgress(r.value.progress);
          if (r.value.error) setFailure(r.value.error);
        });
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, [batchId]);

  const running = batchId !== null && status === null && failure === null;
  const result = status?.result;
  return (
    <form
      className="panel"
      aria-labelledby={`${id}-h`}
      onSubmit={(e) => {
        e.preventDefault();
        setStatus(null);
        setProgress(null);
        setFailure(null);
        void start.run().then((v) => setBatchId(v?.batchId ?? null));
      }}
    >
      <h2 id={`${id}-h`}>Batch signing</h2>
      <div className="field">
        <label htmlFor={`${id}-key`}>Key (group:NAME/LABEL or a key URI)</label>
        <input
          id={`${id}-key`}
          type="text"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-in`}>Files to sign (directory)</label>
        <input
          id={`${id}-in`}
          type="text"
          spellCheck={false}
          value={inDir}
          onChange={(e) => setInDir(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-out`}>Signatures and manifest (directory)</label>
        <input
          id={`${id}-out`}
          type="text"
          spellCheck={false}
          value={outDir}
          onChange={(e) => setOutDir(e.target.value)}
        />
      </div>
      <div className="actions">
        <button type="submit" disabled={start.busy || running}>
          Sign the files
        </button>
      </div>
      <ErrorNote error={start.error ?? failure} title="The batch stopped" />
      {progress ? (
        <div role="status" aria-label="Batch progress">
          <progress
            max={Math.max(progress.total, 1)}
            value={progress.done}
            aria-label="Files done"
          />
          <p>
            {progress.done} of {progress.total} files: {progress.signed} signed now, {progress.kept}{' '}
            already signed
            {progress.member ? ` · last by ${progress.member}` : ''}
            {status?.state === 'finished' ? ' · finished' : ''}
            {status?.state === 'failed' ? ' · stopped (run again to resume)' : ''}
          </p>
        </div>
      ) : null}
      {result ? (
        <section aria-label="Batch manifest">
          <h3>Manifest</h3>
          <dl className="facts">
            <Row term="Manifest">
              <code>{result.manifest}</code>
            </Row>
            <Row term="Manifest SHA-256">
              <code>{result.manifestSha256}</code>
            </Row>
            <Row term="Key">
              {result.group}/{result.keyLabel} · {result.algorithm} ·{' '}
              <code>{result.fingerprint}</code>
            </Row>
            <Row term="Members">
              {result.members
                .map((m) => `${m.name}: ${m.signed} (${Math.round(m.fractionOfWork * 100)}%)`)
                .join(', ') || '—'}
            </Row>
          </dl>
          <table>
            <caption>
              {result.entries.length < result.entryCount
                ? `The first ${result.entries.length} of ${result.entryCount} files (the manifest holds all)`
                : `${result.entryCount} files`}
            </caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">SHA-256</th>
                <th scope="col">Signature</th>
                <th scope="col">Signed by</th>
              </tr>
            </thead>
            <tbody>
              {result.entries.map((e) => (
                <tr key={e.file}>
                  <td>{e.file}</td>
                  <td>
                    <code title={e.sha256}>{e.sha256.slice(0, 16)}…</code>
                  </td>
                  <td>{e.signatureFile}</td>
                  <td>{e.member ?? 'earlier run'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </form>
  );
}
