// Scheduling a version's destruction: the officers of the ceremony run that made the token type
// their token-PIN shares, as on the Quorum screen. Share and passphrase fields are uncontrolled:
// their text never enters React state or the store, and every field is emptied the moment the
// request is sent, before any answer.
import { useId, useRef, useState } from 'react';
import { api } from '../api/client';
import type { IpcError, ResponseOf } from '../../../shared/olocus-api';
import { ErrorNote } from './common';
import type { KeyVersion } from './key-family';

type Scheduled = ResponseOf<'scheduleKeyDestroy'>;

interface ShareFields {
  who: HTMLInputElement | null;
  text: HTMLTextAreaElement | null;
  pass: HTMLInputElement | null;
}

export function ScheduleDestroyForm(props: {
  family: string;
  version: KeyVersion;
  defaultRunDir: string;
  onDone: (r: Scheduled) => void;
  onCancel: () => void;
}) {
  const v = props.version;
  const head = useId();
  const ids = { run: useId(), delay: useId(), rows: useId() };
  const [runDir, setRunDir] = useState(props.defaultRunDir);
  const [delay, setDelay] = useState('30');
  const [rows, setRows] = useState([0, 1]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const fields = useRef(new Map<number, ShareFields>());

  const field = (row: number) => {
    let f = fields.current.get(row);
    if (!f) fields.current.set(row, (f = { who: null, text: null, pass: null }));
    return f;
  };

  /** Reads every share row and empties it at once. */
  const takeShares = () => {
    const shares: { text: string; presentedBy?: string; passphrase?: string }[] = [];
    for (const row of rows) {
      const f = field(row);
      const text = f.text?.value ?? '';
      const who = f.who?.value.trim() ?? '';
      const pass = f.pass?.value ?? '';
      if (f.text) f.text.value = '';
      if (f.pass) f.pass.value = '';
      if (!text.trim()) continue;
      shares.push({
        text,
        ...(who ? { presentedBy: who } : {}),
        ...(pass ? { passphrase: pass } : {}),
      });
    }
    return shares;
  };

  const submit = async () => {
    const shares = takeShares();
    setError(null);
    if (shares.length === 0)
      return setError({ code: 108, message: 'Type or paste at least one share first.' });
    const days = Number(delay);
    if (!Number.isInteger(days) || days < 0)
      return setError({ code: 108, message: 'The delay is a whole number of days.' });
    if (!v.uri) return setError({ code: 108, message: 'This version is no longer on the token.' });
    setSending(true);
    const r = await api().scheduleKeyDestroy({
      keyUri: v.uri,
      runDir: runDir.trim(),
      shares,
      delayDays: days,
    });
    shares.length = 0;
    setSending(false);
    if (r.ok) props.onDone(r.value);
    else setError(r.error);
  };

  return (
    <form
      className="panel"
      aria-labelledby={head}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id={head}>
        Schedule the destruction of {props.family} v{v.version}
      </h2>
      <p>
        The officers of the ceremony run that made this token approve with their token-PIN shares, a
        quorum of them, each checked against the commitments that run recorded. The version is
        disabled now and may be destroyed once the delay has passed.
      </p>
      <div className="field">
        <label htmlFor={ids.run}>Ceremony run directory of the officers</label>
        <input
          id={ids.run}
          type="text"
          spellCheck={false}
          autoComplete="off"
          required
          value={runDir}
          onChange={(e) => setRunDir(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.delay}>Delay before destruction (days)</label>
        <input
          id={ids.delay}
          type="number"
          min={0}
          max={3650}
          value={delay}
          onChange={(e) => setDelay(e.target.value)}
        />
      </div>
      {rows.map((row, i) => (
        <fieldset key={row} className="share-row">
          <legend>Share {i + 1}</legend>
          <div className="field">
            <label htmlFor={`${ids.rows}-who-${row}`}>Officer presenting share {i + 1}</label>
            <input
              id={`${ids.rows}-who-${row}`}
              type="text"
              autoComplete="off"
              ref={(el) => {
                field(row).who = el;
              }}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids.rows}-text-${row}`}>Share {i + 1} text (as on the card)</label>
            <textarea
              id={`${ids.rows}-text-${row}`}
              rows={4}
              className="share-text"
              spellCheck={false}
              autoComplete="off"
              autoCorrect="off"
              autoCapitalize="characters"
              data-secret="share"
              ref={(el) => {
                field(row).text = el;
              }}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids.rows}-pass-${row}`}>
              Passphrase of share {i + 1} (only for a sealed card)
            </label>
            <input
              id={`${ids.rows}-pass-${row}`}
              type="password"
              autoComplete="off"
              ref={(el) => {
                field(row).pass = el;
              }}
            />
          </div>
        </fieldset>
      ))}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={rows.length >= 32}
          onClick={() => setRows((r) => [...r, Math.max(...r) + 1])}
        >
          Add a share
        </button>
        <button type="submit" disabled={sending || !runDir.trim()}>
          {sending ? 'Checking the quorum…' : 'Approve and schedule destruction'}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel} disabled={sending}>
          Cancel
        </button>
      </div>
      <ErrorNote error={error} title="Not scheduled" />
    </form>
  );
}
