// The audit timeline's filter: the `audit query` of the command line (time range, event types,
// a key), answered by main after it verified the whole ledger. An answer from a ledger that does
// not verify carries no record, and the screen says so.
import { useId, useState } from 'react';
import { api } from '../api/client';
import type { ResponseOf } from '../../../shared/olocus-api';
import { ErrorNote, useCall } from '../components/common';

export type AuditAnswer = ResponseOf<'queryAudit'>;

/** Rows an answer brings at most: the contract's MAX_LEDGER_PAGE (zod stays out of here). */
const ANSWER_LIMIT = 1000;

export function AuditFilter(props: {
  ledgerPath: string;
  /** Types to offer before main has sent its catalogue: those seen in the ledger so far. */
  seenTypes: string[];
  onAnswer: (answer: AuditAnswer | null) => void;
}) {
  const ids = { types: useId(), since: useId(), until: useId(), key: useId() };
  const [types, setTypes] = useState<string[]>([]);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [key, setKey] = useState('');
  const [known, setKnown] = useState<string[] | null>(null);
  const query = useCall(() =>
    api().queryAudit({
      path: props.ledgerPath,
      limit: ANSWER_LIMIT,
      ...(since.trim() ? { since: since.trim() } : {}),
      ...(until.trim() ? { until: until.trim() } : {}),
      ...(types.length ? { types } : {}),
      ...(key.trim() ? { key: key.trim() } : {}),
    }),
  );
  const options = [...new Set([...(known ?? props.seenTypes), ...types])].sort();
  const apply = async () => {
    const answer = await query.run();
    if (answer) setKnown(answer.knownTypes);
    props.onAnswer(answer);
  };
  const clear = () => {
    setTypes([]);
    setSince('');
    setUntil('');
    setKey('');
    query.setValue(null);
    props.onAnswer(null);
  };
  return (
    <form
      className="panel"
      aria-labelledby="filter-h"
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <h2 id="filter-h">Filter</h2>
      <p className="muted">
        The whole ledger is verified first; a ledger that does not verify shows no record. Times are
        RFC 3339 (2026-03-01T09:00:00Z) or a duration ago (7d, 12h); both ends are included.
      </p>
      <div className="field">
        <label htmlFor={ids.types}>Event types (none selected: all)</label>
        <select
          id={ids.types}
          multiple
          size={Math.min(8, Math.max(3, options.length))}
          value={types}
          onChange={(e) => setTypes([...e.target.selectedOptions].map((o) => o.value))}
        >
          {options.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.since}>Since</label>
        <input
          id={ids.since}
          type="text"
          spellCheck={false}
          placeholder="7d or 2026-03-01T09:00:00Z"
          value={since}
          onChange={(e) => setSince(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.until}>Until</label>
        <input
          id={ids.until}
          type="text"
          spellCheck={false}
          placeholder="now"
          value={until}
          onChange={(e) => setUntil(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.key}>Key label</label>
        <input
          id={ids.key}
          type="text"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
      </div>
      <div className="actions">
        <button type="submit" disabled={!props.ledgerPath || query.busy}>
          {query.busy ? 'Verifying and filtering…' : 'Apply filter'}
        </button>
        <button type="button" onClick={clear} disabled={query.busy}>
          Clear filter
        </button>
      </div>
      {query.value ? (
        <div className={`note ${query.value.ok ? 'note-ok' : 'note-error'}`} role="status">
          {query.value.verdict}
        </div>
      ) : null}
      <ErrorNote error={query.error} title="Not filtered" />
    </form>
  );
}
