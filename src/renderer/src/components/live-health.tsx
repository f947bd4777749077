// Live health of the selected token or HSM group, read from main's monitor (the liveHealth
// channel): a latency sparkline of the recent probes, error rate, pool use, state history and
// the alerts firing. Off unless the config in force enables monitoring or the officer turns it
// on here; main probes on its own timer, this panel only reads (nothing listens on a socket).
import { useEffect, useId, useRef, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { api } from '../api/client';
import { ErrorNote, Row, useCall } from './common';

type Health = ResponseOf<'liveHealth'>;

/** How often the panel reads what main has measured (main probes at its own interval). */
export const POLL_MS = 2000;

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 2 : 1)}%`;
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;

/** Points of a polyline for `values` in a w×h box; gaps (null) are left out. */
export function sparkPoints(values: (number | null)[], w: number, h: number): string {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return '';
  const max = Math.max(...known, 1e-9);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  return values
    .map((v, i) =>
      v === null ? null : `${(i * step).toFixed(1)},${(h - (v / max) * h).toFixed(1)}`,
    )
    .filter(Boolean)
    .join(' ');
}

function Sparkline({ health }: { health: Health }) {
  const values = health.samples.map((s) => s.latencyMs);
  const known = values.filter((v): v is number => v !== null);
  const last = known.at(-1);
  const label =
    known.length === 0
      ? 'No probe timed yet.'
      : `Probe latency, last ${known.length} probes: latest ${ms(last!)}, highest ${ms(Math.max(...known))}.`;
  return (
    <figure className="sparkline">
      <svg viewBox="0 0 240 48" width="240" height="48" role="img" aria-label={label}>
        <polyline points={sparkPoints(values, 240, 44)} fill="none" stroke="currentColor" />
      </svg>
      <figcaption className="muted">{label}</figcaption>
    </figure>
  );
}

export function LiveHealthPanel() {
  const [target, setTarget] = useState('');
  const health = useCall((r: { enabled?: boolean; target?: string }) => api().liveHealth(r));
  const id = useId();
  const h = health.value;
  // The officer's choice shows at once, before main answers; a read that left before the choice
  // (a slow machine) must not flip the box back, so each choice starts a new generation.
  const [pending, setPending] = useState<boolean | null>(null);
  const generation = useRef(0);
  const on = pending ?? h?.enabled ?? false;

  useEffect(() => {
    // Learn whether the config in force turned it on; then read while it is on.
    void health.run({});
  }, []);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => {
      const asked = generation.current;
      void api()
        .liveHealth({})
        .then((r) => {
          if (r.ok && asked === generation.current) health.setValue(r.value);
        });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [on]);

  const watch = (enabled?: boolean) => {
    generation.current += 1;
    if (enabled !== undefined) setPending(enabled);
    void health
      .run({
        ...(enabled !== undefined ? { enabled } : {}),
        ...(target.trim() ? { target: target.trim() } : {}),
      })
      .finally(() => setPending(null));
  };
  const last = h?.samples.at(-1);
  return (
    <form
      className="panel"
      aria-labelledby={`${id}-h`}
      onSubmit={(e) => {
        e.preventDefault();
        watch(true);
      }}
    >
      <h2 id={`${id}-h`}>Live health</h2>
      <div className="field">
        <label className="choice">
          <input
            type="checkbox"
            checked={on}
            disabled={health.busy && !h}
            onChange={(e) => watch(e.target.checked)}
          />
          Watch this token or group while the app is open (probes it; opens no network port)
        </label>
      </div>
      <div className="field">
        <label htmlFor={id}>
          Token URI or group:NAME/LABEL (empty: the token of the config in force)
        </label>
        <div className="inline">
          <input
            id={id}
            type="text"
            spellCheck={false}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
          />
          <button type="submit" disabled={health.busy}>
            Watch
          </button>
        </div>
      </div>
      <ErrorNote error={health.error} title="Live health could not start" />
      {h && !h.enabled ? (
        <p className="muted">
          Off
          {h.source === 'config'
            ? ': the config in force does not set hsm.monitoring.enabled: true.'
            : h.source === 'toggle'
              ? '.'
              : ': turn it on above, or choose a config with hsm.monitoring.enabled: true.'}
        </p>
      ) : null}
      {h && h.enabled ? (
        <>
          <p className={last?.up ? 'ok-text' : 'bad-text'} role="status">
            {h.kind === 'group' ? 'Group' : 'Token'} {h.subject}:{' '}
            {last ? (last.up ? 'up' : 'down') : 'not probed yet'}
            {h.current?.detail ? ` (${h.current.detail})` : ''}
          </p>
          <Sparkline health={h} />
          <dl className="facts">
            <Row term="Error rate">
              {last ? pct(last.errorRate) : '—'}
              {h.current ? ` (${h.current.errors} of ${h.current.operations} operations)` : ''}
              {h.thresholds ? ` · alert over ${pct(h.thresholds.errorRate)}` : ''}
            </Row>
            <Row term="Pool use">
              {h.current?.pool
                ? `${h.current.pool.busy} of ${h.current.pool.max} sessions busy (${h.current.pool.open} open, ${h.current.pool.waiting} waiting)`
                : '—'}
              {h.thresholds && h.current?.pool ? ` · alert over ${pct(h.thresholds.poolUse)}` : ''}
            </Row>
            <Row term="p95 latency">
              {h.current && h.current.p95Ms.length > 0
                ? h.current.p95Ms.map((p) => `${p.operation} ${ms(p.ms)}`).join(', ')
                : '—'}
              {h.thresholds ? ` · alert over ${ms(h.thresholds.latencyMs)}` : ''}
            </Row>
            <Row term="Probed every">{(h.probeIntervalMs / 1000).toFixed(0)} s</Row>
          </dl>
          {h.members.length > 0 ? (
            <table>
              <caption>Members</caption>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">State</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {h.members.map((m) => (
                  <tr key={m.name}>
                    <td>{m.name}</td>
                    <td className={m.state === 'healthy' ? 'ok-text' : 'bad-text'}>{m.state}</td>
                    <td>{m.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <h3>Alerts</h3>
          {h.alerts.length === 0 ? (
            <p className="muted">None firing.</p>
          ) : (
            <ul className="plain">
              {h.alerts.map((a) => (
                <li key={`${a.alert}-${a.subject}-${a.operation ?? ''}`}>
                  <strong className="bad-text">{a.alert}</strong> {a.summary}. {a.description}
                </li>
              ))}
            </ul>
          )}
          <h3>State history</h3>
          <ol className="plain">
            {h.states.map((s) => (
              <li key={`${s.at}-${s.subject}`}>
                <time dateTime={s.at}>{s.at}</time> {s.subject}: {s.state}
                {s.detail ? ` (${s.detail})` : ''}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </form>
  );
}

/** During a ceremony, a banner on every screen while the live health monitor holds an alert. */
export function HealthAlertBanner({ running }: { running: boolean }) {
  const [alerts, setAlerts] = useState<Health['alerts']>([]);
  useEffect(() => {
    if (!running) {
      setAlerts([]);
      return;
    }
    let stop = false;
    const read = async () => {
      const r = await api()
        .liveHealth({})
        .catch(() => null);
      if (!stop) setAlerts(r?.ok && r.value.enabled ? r.value.alerts : []);
    };
    void read();
    const timer = setInterval(() => void read(), POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [running]);
  if (!running || alerts.length === 0) return null;
  return (
    <div className="room-banner health-banner" role="alert">
      <span>
        HSM health alert during the ceremony: {alerts.map((a) => a.summary).join('; ')}. It is noted
        in the run&apos;s ledger.
      </span>
    </div>
  );
}
