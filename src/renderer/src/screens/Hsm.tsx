// Screen 3: the PKCS#11 modules and tokens the ceremony will use, their mechanisms and health,
// and below them the cloud providers' keys and clusters.
import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import { CloudInventoryPanel } from '../components/cloud-inventory';
import { BatchSignPanel } from '../components/batch-sign';
import { GroupStatusPanel } from '../components/group-status';
import { LiveHealthPanel } from '../components/live-health';
import { ErrorNote, Note, Row, Screen, useCall } from '../components/common';
import { appStore, useApp } from '../store';

/** The module part of a token URI: the token may not exist yet (step 1 creates it). */
export function moduleUri(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? 'pkcs11:' : `pkcs11:${uri.slice(q)}`;
}

export function Hsm() {
  const plan = useApp((s) => s.script?.plan ?? null);
  const [uri, setUri] = useState(() => (plan ? moduleUri(plan.hsm) : 'pkcs11:'));
  const tokens = useCall((hsmUri: string) => api().tokens({ hsmUri, mechanisms: true }));
  const health = useCall((hsmUri: string) => api().hsmHealth({ hsmUri }));
  const id = useId();

  useEffect(() => {
    void tokens.run(uri);
    void health.run(uri);
    // Discover once on arrival; later discoveries are the officer's choice.
  }, []);

  const modules = tokens.value?.modules ?? [];
  return (
    <Screen
      title="HSM"
      intro="The modules and tokens this machine can reach. Compare serial numbers with the device in the room."
    >
      <form
        className="panel"
        aria-labelledby="discover"
        onSubmit={(e) => {
          e.preventDefault();
          void tokens.run(uri);
          void health.run(uri);
        }}
      >
        <h2 id="discover">Discover</h2>
        <div className="field">
          <label htmlFor={id}>PKCS#11 URI (module)</label>
          <div className="inline">
            <input
              id={id}
              type="text"
              spellCheck={false}
              value={uri}
              onChange={(e) => setUri(e.target.value)}
            />
            <button type="submit" disabled={tokens.busy}>
              {tokens.busy ? 'Discovering…' : 'Discover tokens'}
            </button>
          </div>
        </div>
        {plan ? (
          <p className="muted">
            The ceremony uses <code>{plan.hsm}</code>.
          </p>
        ) : null}
        <ErrorNote error={tokens.error} title="Discovery failed" />
      </form>

      <section className="panel" aria-labelledby="health">
        <h2 id="health">Health</h2>
        {health.value ? (
          <>
            <p className={health.value.ok ? 'ok-text' : 'bad-text'} role="status">
              {health.value.ok ? 'Healthy' : 'Not healthy'}: {health.value.detail}
            </p>
            <dl className="facts">
              <Row term="Provider">{health.value.provider}</Row>
              <Row term="Round trip">{health.value.latencyMs.toFixed(1)} ms</Row>
              {health.value.sessions ? (
                <Row term="Sessions">
                  {health.value.sessions.open} open ({health.value.sessions.busy} busy,{' '}
                  {health.value.sessions.idle} idle) of {health.value.sessions.max}
                </Row>
              ) : null}
              <Row term="Checked at">{health.value.checkedAt}</Row>
            </dl>
          </>
        ) : health.error ? (
          <p className="muted">{health.error.message}</p>
        ) : (
          <p className="muted">Checking…</p>
        )}
      </section>

      {modules.map((m) => (
        <section className="panel" key={m.module.path} aria-label={`Module ${m.module.path}`}>
          <h2>
            {m.module.description || m.module.manufacturer}{' '}
            <span className="muted">
              {m.module.vendor ?? ''} · library {m.module.libraryVersion} · Cryptoki{' '}
              {m.module.cryptokiVersion}
            </span>
          </h2>
          <p>
            <code>{m.module.path}</code>
          </p>
          {m.tokens.length === 0 ? (
            <Note>
              No initialised token in this module yet; the ceremony's first step creates one.
            </Note>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Label</th>
                  <th scope="col">Serial</th>
                  <th scope="col">Model</th>
                  <th scope="col">Slot</th>
                  <th scope="col">State</th>
                  <th scope="col">Mechanisms</th>
                </tr>
              </thead>
              <tbody>
                {m.tokens.map((t) => (
                  <tr key={`${t.slotId}-${t.serial}`}>
                    <td>{t.label || <span className="muted">(not initialised)</span>}</td>
                    <td>
                      <code>{t.serial}</code>
                    </td>
                    <td>
                      {t.manufacturer} {t.model}
                    </td>
                    <td>{t.slotId}</td>
                    <td>
                      {t.initialized ? 'initialised' : 'free'}
                      {t.userPinLocked ? ' · user PIN locked' : ''}
                    </td>
                    <td>
                      {t.mechanisms ? (
                        <details>
                          <summary>{t.mechanisms.length} mechanisms</summary>
                          <ul className="mechs">
                            {t.mechanisms.map((mech) => (
                              <li key={mech.type}>
                                <code>{mech.name}</code>
                              </li>
                            ))}
                          </ul>
                        </details>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
      {(tokens.value?.unavailable ?? []).map((u) => (
        <ErrorNote key={u.path} error={u.error} title={`Module ${u.name ?? u.path} unavailable`} />
      ))}

      <LiveHealthPanel />

      <GroupStatusPanel />

      <BatchSignPanel />

      <CloudInventoryPanel />

      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => appStore.getState().go('script')}
        >
          Back
        </button>
        <button type="button" onClick={() => appStore.getState().go('participants')}>
          Continue to participants
        </button>
      </div>
    </Screen>
  );
}
