// An HSM group's members (hsm-config.yaml cluster:): state, last check, last error and share of
// the work, read from main; "Check now" runs a health round on the members first.
import { useId, useState } from 'react';
import type { ResponseOf } from '../../../shared/olocus-api';
import { api } from '../api/client';
import { ErrorNote, Row, useCall } from './common';
import { DataTable } from './data-table';
import type { Column } from './data-table';

const STATE_CLASS: Record<string, string> = {
  healthy: 'ok-text',
  failing: 'bad-text',
  out: 'bad-text',
  recovering: 'muted',
};

type Member = ResponseOf<'groupStatus'>['members'][number];

const MEMBER_COLUMNS: readonly Column<Member>[] = [
  { header: 'Member', cell: (m) => m.name },
  { header: 'Role', cell: (m) => m.role },
  {
    header: 'State',
    cell: (m) => m.state,
    props: (m) => ({ className: STATE_CLASS[m.state] ?? '', title: m.lastError ?? '' }),
  },
  { header: 'Last check', cell: (m) => m.lastCheck ?? '—' },
  { header: 'Signed', cell: (m) => m.signed },
  { header: 'Share', cell: (m) => `${Math.round(m.fractionOfWork * 100)}%` },
];

export function GroupStatusPanel() {
  const [key, setKey] = useState('group:');
  const status = useCall((k: string, check: boolean) => api().groupStatus({ key: k, check }));
  const id = useId();
  const g = status.value;
  return (
    <form
      className="panel"
      aria-labelledby={`${id}-h`}
      onSubmit={(e) => {
        e.preventDefault();
        void status.run(key, false);
      }}
    >
      <h2 id={`${id}-h`}>HSM group</h2>
      <div className="field">
        <label htmlFor={id}>
          Group key (group:NAME/LABEL, from the config&apos;s cluster section)
        </label>
        <div className="inline">
          <input
            id={id}
            type="text"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
          <button type="submit" disabled={status.busy}>
            Show members
          </button>
          <button
            type="button"
            className="secondary"
            disabled={status.busy || !g}
            onClick={() => void status.run(key, true)}
          >
            Check now
          </button>
        </div>
      </div>
      <ErrorNote error={status.error} title="The group could not be opened" />
      {g ? (
        <>
          <dl className="facts">
            <Row term="Key">
              {g.key} · {g.fingerprint.kind} <code>{g.fingerprint.value}</code>
            </Row>
            <Row term="Failover">
              {g.policy}, after {g.threshold} failures in a row · {g.strategy}
            </Row>
          </dl>
          <DataTable columns={MEMBER_COLUMNS} rows={g.members} rowKey={(m) => m.name} />
        </>
      ) : null}
    </form>
  );
}
