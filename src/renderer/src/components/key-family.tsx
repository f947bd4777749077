// One key family on the Keys screen: its policy, its versions with state, dates, fingerprint and
// provenance verdict, and what may be done to each (disable; schedule destruction; rotate the
// family in a ceremony).
import { useId, useState } from 'react';
import type { ResponseOf } from '../../../shared/olocus-api';

export type KeyInventory = ResponseOf<'keyInventory'>;
export type KeyFamily = KeyInventory['families'][number];
export type KeyVersion = KeyFamily['versions'][number];

const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');

/** Until when the state lasts: the overlap of an enabled version, the delay of a scheduled one. */
function until(v: KeyVersion): string {
  if (v.state === 'enabled') return `overlap ends ${day(v.overlapEndsAt)}`;
  if (v.state === 'destroy-scheduled') return `destroy after ${day(v.destroyAfter)}`;
  if (v.state === 'disabled') return `disabled ${day(v.disabledAt)}`;
  if (v.state === 'destroyed') return `destroyed ${day(v.destroyedAt)}`;
  return `primary since ${day(v.primarySince ?? v.createdAt)}`;
}

function fingerprint(v: KeyVersion): string {
  if (v.spkiSha256) return `${v.spkiSha256.slice(0, 12)}…`;
  if (v.kcv) return `KCV ${v.kcv}`;
  return '—';
}

/** A press that asks again in words before it acts. */
function TwoStep(props: {
  /** What the button shows; `more` (read out, not shown) completes its name. */
  label: string;
  more: string;
  confirm: string;
  busy: boolean;
  onConfirm: () => void;
}) {
  const [armed, setArmed] = useState(false);
  return armed ? (
    <span className="confirm" role="group" aria-label={`${props.label}${props.more}`}>
      <button
        type="button"
        className="danger"
        disabled={props.busy}
        onClick={() => {
          setArmed(false);
          props.onConfirm();
        }}
      >
        {props.confirm}
      </button>
      <button type="button" className="secondary" onClick={() => setArmed(false)}>
        Cancel
      </button>
    </span>
  ) : (
    <button
      type="button"
      className="secondary"
      disabled={props.busy}
      onClick={() => setArmed(true)}
    >
      {props.label}
      <span className="sr-only">{props.more}</span>
    </button>
  );
}

export function FamilyPanel(props: {
  family: KeyFamily;
  busy: boolean;
  rotationScripts: { name: string; path: string }[];
  onRotate: (scriptPath: string) => void;
  onDisable: (v: KeyVersion) => void;
  onScheduleDestroy: (v: KeyVersion) => void;
}) {
  const f = props.family;
  const head = useId();
  const primary = f.versions.find((v) => v.state === 'primary');
  return (
    <section className="panel" aria-labelledby={head}>
      <h2 id={head}>
        Key family <code>{f.family}</code>
        {primary ? (
          <span className="muted">
            {' '}
            · primary v{primary.version} ({primary.type})
          </span>
        ) : null}
      </h2>
      <p className="muted">
        Policy: rotate every {f.policy.rotationIntervalDays} days, overlap {f.policy.overlapDays}{' '}
        days, at most {f.policy.maxVersions} usable versions, notice{' '}
        {f.policy.notificationAdvanceDays} days ahead.
      </p>
      {f.due.length > 0 ? (
        <ul className="plain due-list">
          {f.due.map((d) => (
            <li key={`${d.version}|${d.action}`}>
              <span className={`badge ${d.overdue ? 'badge-fail' : 'badge-unknown'}`}>
                {d.overdue ? 'overdue' : 'due'}
              </span>{' '}
              {d.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="table-scroll">
        <table className="versions">
          <caption className="sr-only">Versions of {f.family}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Label</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">Until</th>
              <th scope="col">Token end date</th>
              <th scope="col">SPKI SHA-256 / KCV</th>
              <th scope="col">Attestation</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {f.versions.map((v) => (
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td>
                  <code>{v.label}</code>
                </td>
                <td>
                  <span className={`badge badge-state-${v.state}`}>{v.state}</span>
                </td>
                <td className="nowrap">{day(v.createdAt)}</td>
                <td>{until(v)}</td>
                <td className="nowrap">{v.token?.end ?? '—'}</td>
                <td>
                  <code title={v.spkiSha256 ?? undefined}>{fingerprint(v)}</code>
                </td>
                <td>
                  {v.attestation ? (
                    <>
                      <span className={`badge badge-${v.attestation.overall}`}>
                        {v.attestation.overall}
                      </span>
                      {v.attestation.detail ? (
                        <div className="muted small">{v.attestation.detail}</div>
                      ) : null}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  <div className="version-actions">
                    {v.state === 'enabled' ? (
                      <TwoStep
                        label="Disable"
                        more={` ${f.family} v${v.version}`}
                        confirm={`Yes: disable ${f.family} v${v.version}`}
                        busy={props.busy}
                        onConfirm={() => props.onDisable(v)}
                      />
                    ) : null}
                    {v.state === 'enabled' || v.state === 'disabled' ? (
                      <button
                        type="button"
                        className="secondary"
                        disabled={props.busy}
                        onClick={() => props.onScheduleDestroy(v)}
                      >
                        Schedule destruction
                        <span className="sr-only">
                          {' '}
                          of {f.family} v{v.version}
                        </span>
                      </button>
                    ) : null}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="actions">
        {props.rotationScripts.length === 0 ? (
          <p className="muted">No bundled rotation ceremony script was found.</p>
        ) : (
          props.rotationScripts.map((s) => (
            <button
              key={s.path}
              type="button"
              disabled={props.busy}
              onClick={() => props.onRotate(s.path)}
            >
              Rotate {f.family} in a ceremony
              <span className="sr-only"> ({s.name})</span>
            </button>
          ))
        )}
      </div>
    </section>
  );
}
