// Screen 1: start a ceremony from a script (a path or a bundled one), resume an unfinished run,
// or open a recent one.
import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { AppInfo, RecentRun } from '../api/client';
import { ErrorNote, Note, Screen, useCall } from '../components/common';
import { HsmConfigPanel } from '../components/hsm-config';
import { KeysDueNotice } from '../components/keys-due';
import { suggestRunDir, timeOfDay } from '../logic/text';
import { appStore, useApp } from '../store';

export async function reviewScript(path: string): Promise<boolean> {
  const s = appStore.getState();
  s.setScriptPath(path);
  const r = await api().validateScript({ path });
  if (!r.ok) {
    appStore.getState().scriptFailed(r.error);
    appStore.getState().go('script');
    return false;
  }
  appStore.getState().scriptChecked(r.value);
  appStore.getState().go('script');
  return true;
}

export function Home() {
  const scriptPath = useApp((s) => s.scriptPath);
  const outDir = useApp((s) => s.outDir);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [runs, setRuns] = useState<RecentRun[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [configToken, setConfigToken] = useState<string | null>(null);
  const review = useCall(async (path: string) => {
    const ok = await reviewScript(path);
    return ok
      ? ({ ok: true, value: true } as const)
      : ({ ok: false, error: appStore.getState().scriptError! } as const);
  });
  const ids = { script: useId(), dir: useId(), bundled: useId() };

  useEffect(() => {
    void api()
      .appInfo({})
      .then((r) => {
        if (r.ok) {
          setInfo(r.value);
          const s = appStore.getState();
          if (!s.scriptPath && r.value.bundledScripts[0])
            s.setScriptPath(r.value.bundledScripts[0].path);
        } else setNote(r.error.message);
      });
    void api()
      .recentRuns({})
      .then((r) => setRuns(r.ok ? r.value.runs : []));
  }, []);

  const suggest = () => {
    const id = appStore.getState().script?.plan.ceremony.id ?? 'ceremony';
    if (info) appStore.getState().setOutDir(suggestRunDir(info.workspace, id, new Date()));
  };

  const resume = async (run: RecentRun) => {
    appStore.getState().setOutDir(run.dir);
    await reviewScript(`${run.dir}/script.yaml`);
  };

  const openRun = (run: RecentRun) => {
    const s = appStore.getState();
    s.resetRun();
    appStore.setState({ runDir: run.dir });
    s.go(run.state === 'finished' ? 'report' : 'audit');
  };

  const unfinished = (runs ?? []).filter((r) => r.state === 'unfinished');

  return (
    <Screen
      title="Home"
      intro="Choose the reviewed ceremony script and an empty directory for this run's evidence, then review the plan with the room."
    >
      <form
        className="panel"
        aria-labelledby="new-ceremony"
        onSubmit={(e) => {
          e.preventDefault();
          void review.run(scriptPath.trim());
        }}
      >
        <h2 id="new-ceremony">New ceremony</h2>
        {info && info.bundledScripts.length > 0 ? (
          <fieldset>
            <legend>Bundled scripts</legend>
            {info.bundledScripts.map((b) => (
              <label key={b.path} className="choice">
                <input
                  type="radio"
                  name={ids.bundled}
                  checked={scriptPath === b.path}
                  onChange={() => appStore.getState().setScriptPath(b.path)}
                />
                <span>{b.name}</span>
                <code className="muted">{b.path}</code>
              </label>
            ))}
          </fieldset>
        ) : null}
        <div className="field">
          <label htmlFor={ids.script}>Ceremony script (YAML path)</label>
          <input
            id={ids.script}
            name="script"
            type="text"
            spellCheck={false}
            autoComplete="off"
            required
            value={scriptPath}
            onChange={(e) => appStore.getState().setScriptPath(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.dir}>
            Run directory (evidence, ledger, cards and report go here)
          </label>
          <div className="inline">
            <input
              id={ids.dir}
              name="dir"
              type="text"
              spellCheck={false}
              autoComplete="off"
              value={outDir}
              onChange={(e) => appStore.getState().setOutDir(e.target.value)}
            />
            <button type="button" className="secondary" onClick={suggest} disabled={!info}>
              Suggest
            </button>
          </div>
        </div>
        <div className="actions">
          <button type="submit" disabled={review.busy || !scriptPath.trim()}>
            {review.busy ? 'Checking…' : 'Review script'}
          </button>
        </div>
        <ErrorNote error={review.error} title="The script could not be read" />
      </form>

      {note ? <Note tone="warn">{note}</Note> : null}

      <HsmConfigPanel onActive={(a) => setConfigToken(a.tokenUri)} />

      <KeysDueNotice tokenUri={configToken} />

      <section className="panel" aria-labelledby="resume">
        <h2 id="resume">Resume an unfinished run</h2>
        {unfinished.length === 0 ? (
          <p className="muted">No unfinished run in the workspace.</p>
        ) : (
          <ul className="plain">
            {unfinished.map((r) => (
              <li key={r.dir} className="inline">
                <span>
                  <strong>{r.name ?? r.ceremonyId ?? 'Unnamed run'}</strong>{' '}
                  <code className="muted">{r.dir}</code> · {r.records} records
                </span>
                <button type="button" onClick={() => void resume(r)}>
                  Resume<span className="sr-only"> {r.dir}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="panel" aria-labelledby="recent">
        <h2 id="recent">Recent runs</h2>
        {runs === null ? (
          <p className="muted">Looking…</p>
        ) : runs.length === 0 ? (
          <p className="muted">No runs yet{info ? ` in ${info.workspace}` : ''}.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Ceremony</th>
                <th scope="col">State</th>
                <th scope="col">Records</th>
                <th scope="col">Last event (UTC)</th>
                <th scope="col">Directory</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.dir}>
                  <td>
                    {r.name ?? r.ceremonyId ?? '—'}
                    {r.problem ? <div className="bad-text">{r.problem}</div> : null}
                  </td>
                  <td>
                    <span className={`badge badge-${r.state}`}>{r.state}</span>
                  </td>
                  <td>{r.records}</td>
                  <td>{r.lastEventTime ? timeOfDay(r.lastEventTime) : '—'}</td>
                  <td>
                    <code>{r.dir}</code>
                  </td>
                  <td>
                    <button type="button" className="secondary" onClick={() => openRun(r)}>
                      Open<span className="sr-only"> {r.dir}</span>
                    </button>
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
