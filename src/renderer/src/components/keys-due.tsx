// What must rotate, be disabled or may be destroyed soon, as `keys due` lists it: on the Keys
// screen for the token shown, and on Home for the token of the config in force.
import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { IpcError, ResponseOf } from '../../../shared/olocus-api';
import { ErrorNote } from './common';

export type DueReport = ResponseOf<'keysDue'>;

export function DueList({ report }: { report: DueReport }) {
  if (report.items.length === 0)
    return (
      <p>
        Nothing due in {report.families} key famil{report.families === 1 ? 'y' : 'ies'} (as of{' '}
        {report.now.slice(0, 10)}).
      </p>
    );
  return (
    <ul className="plain due-list">
      {report.items.map((d) => (
        <li key={`${d.family}|${d.version}|${d.action}`}>
          <span className={`badge ${d.overdue ? 'badge-fail' : 'badge-unknown'}`}>
            {d.overdue ? 'overdue' : 'due'}
          </span>{' '}
          {d.message}
        </li>
      ))}
    </ul>
  );
}

/**
 * Home's notice: with a config in force (`tokenUri`), what `keys due` would say for its token.
 * Without one there is no token to ask, and nothing is shown.
 */
export function KeysDueNotice({ tokenUri }: { tokenUri: string | null }) {
  const [report, setReport] = useState<DueReport | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const head = useId();
  useEffect(() => {
    setReport(null);
    setError(null);
    if (!tokenUri) return;
    let live = true;
    void api()
      .keysDue({})
      .then((r) => {
        if (!live) return;
        if (r.ok) setReport(r.value);
        else setError(r.error);
      });
    return () => {
      live = false;
    };
  }, [tokenUri]);
  if (!tokenUri) return null;
  const tone =
    report && report.overdue > 0 ? 'note-error' : report?.items.length ? 'note-warn' : 'note-ok';
  return (
    <section className="panel" aria-labelledby={head}>
      <h2 id={head}>Keys due</h2>
      <div className={`note ${tone}`} role="status" aria-label="Keys due">
        {report ? (
          <>
            {report.overdue > 0 ? (
              <p>
                <strong>
                  {report.overdue} overdue on <code>{tokenUri}</code>.
                </strong>
              </p>
            ) : null}
            <DueList report={report} />
          </>
        ) : error ? null : (
          <p className="muted">Looking…</p>
        )}
      </div>
      <ErrorNote error={error} title="What is due could not be read" />
      <p className="muted">
        Rotation stays a ceremony: open <strong>Key inventory</strong> to start one.
      </p>
    </section>
  );
}
