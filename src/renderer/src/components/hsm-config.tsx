// Which hsm-config.yaml the app uses, and choosing another: by its path, or its text pasted.
// Main checks it as `config check` does; a refused file leaves the one in force as it was, and
// the problems are shown at their lines. Once in force, its token is the one the HSM screen and
// a ceremony whose script names no token open.
import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { ResponseOf } from '../../../shared/olocus-api';
import { ErrorNote, useCall } from './common';

export type ActiveConfig = ResponseOf<'activeConfig'>;

const SOURCE: Record<ActiveConfig['source'], string> = {
  none: 'No hsm-config.yaml is in force: give a token URI wherever one is asked for.',
  startup: 'In force since the app started (--config or OLOCUS_CONFIG).',
  file: 'In force: chosen in this window.',
  pasted: 'In force: pasted in this window.',
};

/** `onActive`: told the config in force when it is read and whenever the window chooses another. */
export function HsmConfigPanel(props: { onActive?: (active: ActiveConfig) => void } = {}) {
  const ids = { path: useId(), text: useId(), head: useId() };
  const [path, setPath] = useState('');
  const [text, setText] = useState('');
  const [active, setActive] = useState<ActiveConfig | null>(null);
  const use = useCall((request: { path: string } | { text: string }) => api().useConfig(request));

  useEffect(() => {
    void api()
      .activeConfig({})
      .then((r) => {
        if (!r.ok) return;
        setActive(r.value);
        props.onActive?.(r.value);
      });
    // Read once on mount; later changes arrive through choose().
  }, []);

  const choose = async (request: { path: string } | { text: string }) => {
    const value = await use.run(request);
    if (value) {
      setActive(value);
      props.onActive?.(value);
    }
  };

  return (
    <section className="panel" aria-labelledby={ids.head}>
      <h2 id={ids.head}>HSM configuration</h2>
      <div role="status" aria-label="Configuration in force">
        {active ? (
          <>
            <p>{SOURCE[active.source]}</p>
            {active.file ? (
              <p>
                File: <code>{active.file}</code>
              </p>
            ) : null}
            {active.tokenUri ? (
              <p>
                Token: <code>{active.tokenUri}</code>
              </p>
            ) : null}
            {active.check && active.check.warnings.length > 0 ? (
              <ul className="plain">
                {active.check.warnings.map((w) => (
                  <li key={w} className="muted">
                    {w}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : (
          <p className="muted">Looking…</p>
        )}
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void choose({ path: path.trim() });
        }}
      >
        <div className="field">
          <label htmlFor={ids.path}>hsm-config.yaml (path)</label>
          <div className="inline">
            <input
              id={ids.path}
              type="text"
              spellCheck={false}
              autoComplete="off"
              value={path}
              onChange={(e) => setPath(e.target.value)}
            />
            <button type="submit" disabled={use.busy || !path.trim()}>
              Use this config
            </button>
          </div>
        </div>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void choose({ text });
        }}
      >
        <div className="field">
          <label htmlFor={ids.text}>Or paste its text</label>
          <textarea
            id={ids.text}
            rows={5}
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="actions">
          <button type="submit" className="secondary" disabled={use.busy || !text.trim()}>
            Use the pasted config
          </button>
        </div>
      </form>
      <ErrorNote error={use.error} title="That config was not taken; the one in force stays" />
    </section>
  );
}
