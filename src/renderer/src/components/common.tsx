// Pieces every screen uses: the screen frame (its heading takes focus when the screen opens,
// so a keyboard user starts at the top), error and status notes, and fingerprints.
import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { Envelope, IpcError } from '../../../shared/olocus-api';
import { groupHex } from '../logic/text';

/** The first screen leaves focus at the top of the page, so Tab meets the skip link first. */
let firstScreen = true;

export function Screen(props: { title: string; intro?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // A screen opened by the officer takes focus at its heading, so reading starts there.
    if (firstScreen) firstScreen = false;
    else heading.current?.focus();
  }, [props.title]);
  return (
    <section className="screen" aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1} ref={heading}>
        {props.title}
      </h1>
      {props.intro ? <p className="intro">{props.intro}</p> : null}
      {props.children}
    </section>
  );
}

export function ErrorNote({ error, title }: { error: IpcError | null; title?: string }) {
  if (!error) return null;
  return (
    <div className="note note-error" role="alert">
      <strong>{title ?? 'Refused'}</strong>
      <span className="code">
        Error {error.code}
        {error.ckr ? ` · ${error.ckr}` : ''}
      </span>
      <p className="pre">{error.message}</p>
    </div>
  );
}

export function Note(props: {
  tone?: 'info' | 'ok' | 'warn';
  children: ReactNode;
  live?: boolean;
}) {
  return (
    <div className={`note note-${props.tone ?? 'info'}`} role={props.live ? 'status' : undefined}>
      {props.children}
    </div>
  );
}

export function Fingerprint(props: { label: string; hex: string; words?: string | null }) {
  return (
    <div className="fingerprint">
      <div className="fp-label">{props.label}</div>
      <code className="fp-hex">{groupHex(props.hex)}</code>
      {props.words ? <div className="fp-words">{props.words}</div> : null}
    </div>
  );
}

/** One call through window.olocus with its busy flag, result and error. */
export function useCall<T, A extends unknown[]>(fn: (...args: A) => Promise<Envelope<T>>) {
  const [busy, setBusy] = useState(false);
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const run = async (...args: A): Promise<T | null> => {
    setBusy(true);
    setError(null);
    try {
      const r = await fn(...args);
      if (r.ok) {
        setValue(r.value);
        return r.value;
      }
      setValue(null);
      setError(r.error);
      return null;
    } catch (e) {
      setError({ code: 107, message: e instanceof Error ? e.message : String(e) });
      return null;
    } finally {
      setBusy(false);
    }
  };
  return { busy, value, error, run, setValue };
}

/** A labelled read-only value in a definition list. */
export function Row(props: { term: string; children: ReactNode }) {
  return (
    <>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

/**
 * A button for an answer that stops the run's step: the first press asks again (in words), the
 * second does it, so a stray Enter on the projector keyboard cannot end a step.
 */
export function ConfirmButton(props: {
  label: string;
  confirm: string;
  disabled?: boolean;
  onConfirm: () => void;
}) {
  const [armed, setArmed] = useState(false);
  return armed ? (
    <span className="confirm" role="group" aria-label={props.label}>
      <button
        type="button"
        className="danger"
        disabled={props.disabled}
        onClick={() => {
          setArmed(false);
          props.onConfirm();
        }}
      >
        {props.confirm}
      </button>
      <button type="button" className="secondary" onClick={() => setArmed(false)}>
        Keep waiting
      </button>
    </span>
  ) : (
    <button
      type="button"
      className="danger"
      disabled={props.disabled}
      onClick={() => setArmed(true)}
    >
      {props.label}
    </button>
  );
}
