// Screen 9: the signed report and the evidence bundle (the run directory), each checked on
// demand: the report's signature and embedded ledger, the manifest of every file, the ledger.
import { useState } from 'react';
import { api } from '../api/client';
import { ErrorNote, Fingerprint, Note, Row, Screen, useCall } from '../components/common';
import { AuditVerdict } from '../components/audit-verdict';
import { OpenStatus, useOpenFile } from '../components/open-file';
import { useApp } from '../store';

interface Verification {
  ok: boolean;
  failures?: { message: string; file?: string }[];
  files?: number;
}

function Verdict({ label, v }: { label: string; v: Verification | null }) {
  if (!v) return null;
  return (
    <div className={`note ${v.ok ? 'note-ok' : 'note-error'}`} role="status">
      <strong>
        {label}: {v.ok ? 'verifies' : 'does NOT verify'}
      </strong>
      {typeof v.files === 'number' ? <span> · {v.files} files checked</span> : null}
      {(v.failures ?? []).length ? (
        <ul>
          {(v.failures ?? []).map((f, i) => (
            <li key={i}>
              {f.file ? <code>{f.file}</code> : null} {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Report() {
  const runDir = useApp((s) => s.runResult?.dir ?? s.runDir);
  const result = useApp((s) => s.runResult);
  const runState = useApp((s) => s.runState);
  const dir = runDir ?? '';
  const reportPath = dir ? `${dir}/report.pdf` : '';
  const ledgerPath = result?.ledger.path ?? (dir ? `${dir}/audit.jsonl` : '');
  const report = useCall(() => api().verifyReport({ path: reportPath }));
  const manifest = useCall(() => api().verifyManifest({ dir }));
  // The run directory, not the bare ledger: the audit key is then pinned by the run's signed
  // report, and a ledger cut short of its end fails.
  const audit = useCall(() => api().verifyAudit({ path: dir }));
  const opener = useOpenFile();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(reportPath);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  if (!dir) {
    return (
      <Screen title="Report" intro="The report is written when a run finishes.">
        <Note>No run yet. Start one from Home, or open a recent run.</Note>
      </Screen>
    );
  }
  return (
    <Screen
      title="Report"
      intro="Every run ends with a signed PDF report and a signed manifest of its directory: the evidence bundle."
    >
      {runState === 'running' ? (
        <Note tone="warn">The run is still going; the report is written at its end.</Note>
      ) : null}
      <section className="panel" aria-labelledby="evidence">
        <h2 id="evidence">Evidence</h2>
        <dl className="facts">
          <Row term="Signed report">
            <code>{reportPath}</code>{' '}
            <button type="button" className="secondary" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy path'}
              <span className="sr-only"> of the report</span>
            </button>{' '}
            <button
              type="button"
              className="secondary"
              disabled={opener.busy}
              onClick={() => void opener.open(reportPath)}
            >
              Open<span className="sr-only"> the report</span>
            </button>
          </Row>
          <Row term="Evidence bundle (run directory)">
            <code>{dir}</code>
          </Row>
          <Row term="Audit ledger">
            <code>{ledgerPath}</code>
          </Row>
          {result ? <Row term="Outputs">{result.outputs.length} files</Row> : null}
        </dl>
        <OpenStatus outcome={opener.outcome} label="Opening the report" />
        {result ? (
          <Fingerprint
            label="Ledger head"
            hex={result.ledger.head}
            words={result.ledger.headWords}
          />
        ) : null}
      </section>
      <section className="panel" aria-labelledby="checks">
        <h2 id="checks">Checks</h2>
        <div className="actions">
          <button type="button" onClick={() => void report.run()} disabled={report.busy}>
            {report.busy ? 'Verifying…' : 'Verify the report'}
          </button>
          <button type="button" onClick={() => void manifest.run()} disabled={manifest.busy}>
            {manifest.busy ? 'Verifying…' : 'Verify the evidence bundle'}
          </button>
          <button type="button" onClick={() => void audit.run()} disabled={audit.busy}>
            {audit.busy ? 'Verifying…' : 'Verify the audit ledger'}
          </button>
        </div>
        <Verdict label="Report" v={report.value} />
        {report.value?.signature ? (
          <dl className="facts">
            <Row term="Signed by">{report.value.signature.signer?.subject ?? 'unknown'}</Row>
            <Row term="Certificate chain">{report.value.signature.chain.message}</Row>
            <Row term="Chains to">{report.value.chainsTo}</Row>
            <Row term="Signing time">{report.value.signature.signingTime ?? 'not stated'}</Row>
            <Row term="Whole document signed">
              {report.value.signature.wholeDocument ? 'yes' : 'no'}
            </Row>
            <Row term="Embedded ledger">
              {report.value.ledger.present
                ? `${report.value.ledger.records} records, ${report.value.ledger.ok ? 'verifies' : 'does NOT verify'}`
                : 'absent'}
            </Row>
          </dl>
        ) : null}
        <ErrorNote error={report.error} title="Report not checked" />
        <Verdict label="Evidence bundle" v={manifest.value} />
        <ErrorNote error={manifest.error} title="Bundle not checked" />
        {audit.value ? (
          <AuditVerdict
            label={`Audit ledger (${audit.value.records} records, ${audit.value.signaturesChecked} signatures)`}
            v={audit.value}
          />
        ) : null}
        <ErrorNote error={audit.error} title="Ledger not checked" />
      </section>
    </Screen>
  );
}
