// Screen 8: a key's provenance verdict as a table of checks with their evidence.
import { useId, useState } from 'react';
import { api } from '../api/client';
import { ErrorNote, Row, Screen, useCall } from '../components/common';

export function Attestation() {
  const [keyUri, setKeyUri] = useState('');
  const [acceptImported, setAccept] = useState(false);
  const ids = { uri: useId(), accept: useId() };
  const attest = useCall(() =>
    api().attestKey({
      keyUri: keyUri.trim(),
      ...(acceptImported ? { acceptImported } : {}),
    }),
  );
  const v = attest.value;
  return (
    <Screen
      title="Attestation"
      intro="Where a key was born and whether it can leave the HSM, checked against the HSM's own evidence."
    >
      <form
        className="panel"
        aria-labelledby="attest-form"
        onSubmit={(e) => {
          e.preventDefault();
          void attest.run();
        }}
      >
        <h2 id="attest-form">Key</h2>
        <div className="field">
          <label htmlFor={ids.uri}>Key URI</label>
          <input
            id={ids.uri}
            type="text"
            spellCheck={false}
            value={keyUri}
            onChange={(e) => setKeyUri(e.target.value)}
            required
          />
        </div>
        <label className="choice" htmlFor={ids.accept}>
          <input
            id={ids.accept}
            type="checkbox"
            checked={acceptImported}
            onChange={(e) => setAccept(e.target.checked)}
          />
          Accept a key that was imported (not generated in this HSM)
        </label>
        <div className="actions">
          <button type="submit" disabled={attest.busy || !keyUri.trim()}>
            {attest.busy ? 'Checking…' : 'Attest'}
          </button>
        </div>
        <ErrorNote error={attest.error} title="No verdict" />
      </form>
      {v ? (
        <section className="panel" aria-labelledby="verdict">
          <h2 id="verdict">
            Verdict: <span className={`badge badge-${v.overall}`}>{v.overall}</span>
          </h2>
          <dl className="facts">
            <Row term="Vendor">{v.vendor}</Row>
            <Row term="Subject">
              {v.subject.label ?? '—'} {v.subject.uri ? <code>{v.subject.uri}</code> : null}
            </Row>
            {v.boundPublicKey ? (
              <Row term="Key bound by the evidence (SPKI SHA-256)">
                <code>{v.boundPublicKey.spkiSha256}</code>
              </Row>
            ) : null}
            <Row term="Validated at">{v.validatedAt}</Row>
            <Row term="Matches the ceremony key">
              {v.matchesCeremonyKey === null ? 'not compared' : v.matchesCeremonyKey ? 'yes' : 'no'}
            </Row>
          </dl>
          <table>
            <caption className="sr-only">Attestation checks</caption>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Status</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            <tbody>
              {v.checks.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>
                    <span className={`badge badge-${c.status}`}>{c.status}</span>
                  </td>
                  <td>{c.evidence}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {v.notes.length ? (
            <ul>
              {v.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </Screen>
  );
}
