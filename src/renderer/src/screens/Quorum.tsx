// Screen 5: custodians present their shares one at a time; each is checked by main the moment
// it arrives and refused with the custodian's name if wrong. The share text lives only in the
// input until it is sent: the field is emptied before the answer comes back, and nothing of it
// reaches the store.
import { useId, useRef, useState } from 'react';
import { api } from '../api/client';
import { ConfirmButton, ErrorNote, Note, Screen } from '../components/common';
import { readQrFromImage } from '../logic/qr';
import { quorumProgress, secretName } from '../logic/text';
import { useApp } from '../store';
import type { IpcError } from '../../../shared/olocus-api';
import type { PassphraseAsk, ShareAsk } from '../store/run-slice';

type Method = 'type' | 'file' | 'qr';

function ShareEntry({ ask }: { ask: ShareAsk }) {
  const waiting = ask.custodians.filter((c) => !ask.presented.includes(c));
  const [who, setWho] = useState<string>('');
  const [method, setMethod] = useState<Method>('type');
  const [error, setError] = useState<IpcError | null>(null);
  const [sending, setSending] = useState(false);
  const text = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const ids = { who: useId(), text: useId(), file: useId(), method: useId() };
  const presenter = waiting.includes(who) ? who : '';

  const send = async (share: string | null) => {
    setSending(true);
    setError(null);
    const r = await api().presentShare({
      requestId: ask.requestId,
      share:
        share === null ? null : { text: share, ...(presenter ? { presentedBy: presenter } : {}) },
    });
    setSending(false);
    if (!r.ok) setError(r.error);
    else setWho('');
  };

  const submitTyped = () => {
    const el = text.current;
    if (!el) return;
    const value = el.value;
    el.value = ''; // cleared before the answer: the share does not stay on screen
    if (!value.trim()) {
      setError({ code: 108, message: 'Type or paste the share first.' });
      return;
    }
    void send(value);
  };

  const submitFile = async () => {
    const input = file.current;
    const f = input?.files?.[0];
    if (!input || !f) {
      setError({ code: 108, message: 'Choose a file first.' });
      return;
    }
    try {
      const value = method === 'qr' ? await readQrFromImage(f) : await f.text();
      input.value = '';
      await send(value);
    } catch (e) {
      input.value = '';
      setError({ code: 108, message: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <>
      <section className="panel" aria-labelledby="quorum-progress">
        <h2 id="quorum-progress">Shares needed for {ask.purpose}</h2>
        <p className="big-progress" role="status" aria-live="polite">
          <strong>{quorumProgress(ask.presented.length, ask.need)}</strong> shares presented
        </p>
        <progress
          max={ask.need}
          value={Math.min(ask.presented.length, ask.need)}
          aria-label="Shares presented"
        />
        <ul className="custodians">
          {ask.custodians.map((c) => (
            <li key={c} className={ask.presented.includes(c) ? 'done' : ''}>
              <span aria-hidden="true">{ask.presented.includes(c) ? '✓' : '○'}</span> {c}
              <span className="sr-only">
                {ask.presented.includes(c) ? ' (accepted)' : ' (not yet)'}
              </span>
            </li>
          ))}
        </ul>
      </section>

      {ask.refused ? (
        <div className="note note-error" role="alert">
          <strong>Share refused</strong>
          <p>{ask.refused}</p>
        </div>
      ) : null}

      <form
        className="panel"
        aria-labelledby="present"
        onSubmit={(e) => {
          e.preventDefault();
          if (method === 'type') submitTyped();
          else void submitFile();
        }}
      >
        <h2 id="present">Present a share</h2>
        <div className="field">
          <label htmlFor={ids.who}>Custodian presenting</label>
          <select id={ids.who} value={presenter} onChange={(e) => setWho(e.target.value)} required>
            <option value="">Choose the custodian…</option>
            {waiting.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        {presenter ? <p className="presenter">{presenter} presents their share.</p> : null}
        <fieldset className="methods">
          <legend>How the share is entered</legend>
          {(
            [
              ['type', 'Type or paste'],
              ['file', 'Load a file'],
              ['qr', 'Read a QR image'],
            ] as const
          ).map(([m, label]) => (
            <label key={m} className="choice">
              <input
                type="radio"
                name={ids.method}
                checked={method === m}
                onChange={() => setMethod(m)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        {method === 'type' ? (
          <div className="field">
            <label htmlFor={ids.text}>
              Share text (grouped base32 as on the card, one line per card line)
            </label>
            <textarea
              id={ids.text}
              ref={text}
              rows={5}
              className="share-text"
              spellCheck={false}
              autoComplete="off"
              autoCorrect="off"
              autoCapitalize="characters"
              data-secret="share"
            />
          </div>
        ) : (
          <div className="field">
            <label htmlFor={ids.file}>
              {method === 'qr' ? 'Photo or scan of the card (image)' : 'Share text file'}
            </label>
            <input
              id={ids.file}
              ref={file}
              type="file"
              accept={method === 'qr' ? 'image/*' : '.txt,text/plain'}
            />
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={sending || !presenter}>
            {sending ? 'Checking…' : 'Present share'}
          </button>
          <ConfirmButton
            label="No other custodian can present"
            confirm="Yes: stop this step without the quorum"
            disabled={sending}
            onConfirm={() => void send(null)}
          />
        </div>
        <ErrorNote error={error} title="Not sent" />
      </form>
    </>
  );
}

function PassphraseEntry({ ask }: { ask: PassphraseAsk }) {
  const field = useRef<HTMLInputElement>(null);
  const again = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const ids = { pass: useId(), again: useId() };
  const who = ask.custodian ?? 'The custodian';
  const seal = ask.reason === 'seal';

  const send = async (passphrase: string | null) => {
    setError(null);
    const r = await api().givePassphrase({ requestId: ask.requestId, passphrase });
    if (!r.ok) setError(r.error);
  };

  const submit = () => {
    const a = field.current?.value ?? '';
    const b = again.current?.value ?? '';
    if (field.current) field.current.value = '';
    if (again.current) again.current.value = '';
    if (!a) return setError({ code: 108, message: 'Type the passphrase first.' });
    if (seal && a !== b)
      return setError({ code: 108, message: 'The two passphrases differ; type them again.' });
    void send(a);
  };

  return (
    <form
      className="panel"
      aria-labelledby="passphrase"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h2 id="passphrase">
        {seal ? `${who}'s card is being printed` : `${who}'s card is sealed with a passphrase`}
      </h2>
      <p>
        {seal
          ? `${who} may seal the share with a passphrase of their own (it is needed again to present the card), or print the card without one. The card holds a share of ${secretName(ask.secretId)}.`
          : `${who} types the passphrase chosen when the card was printed. Nobody else looks at the keyboard.`}
      </p>
      <div className="field">
        <label htmlFor={ids.pass}>Passphrase</label>
        <input id={ids.pass} ref={field} type="password" autoComplete="off" />
      </div>
      {seal ? (
        <div className="field">
          <label htmlFor={ids.again}>Passphrase again</label>
          <input id={ids.again} ref={again} type="password" autoComplete="off" />
        </div>
      ) : null}
      <div className="actions">
        <button type="submit">{seal ? 'Seal the card' : 'Unseal'}</button>
        <button type="button" className="secondary" onClick={() => void send(null)}>
          {seal ? 'Print without a passphrase' : 'No passphrase'}
        </button>
      </div>
      <ErrorNote error={error} title="Not sent" />
    </form>
  );
}

export function Quorum() {
  const shareAsk = useApp((s) => s.shareAsk);
  const passphraseAsk = useApp((s) => s.passphraseAsk);
  const runState = useApp((s) => s.runState);
  return (
    <Screen
      title="Quorum"
      intro="Custodians present their shares one at a time. Each share is checked the moment it is entered."
    >
      {passphraseAsk ? <PassphraseEntry key={passphraseAsk.requestId} ask={passphraseAsk} /> : null}
      {shareAsk ? <ShareEntry key={shareAsk.requestId} ask={shareAsk} /> : null}
      {!shareAsk && !passphraseAsk ? (
        <Note live>
          {runState === 'running'
            ? 'No share is asked for right now. The run will ask here when a step needs the quorum.'
            : 'No run is asking for shares.'}
        </Note>
      ) : null}
    </Screen>
  );
}
