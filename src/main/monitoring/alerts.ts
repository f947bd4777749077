// The monitor's own threshold checks, the same four that resources/monitoring/olocus-alerts.yml
// gives Prometheus: a token that fails its probe (a member out), p95 latency over
// alert_latency_threshold, error rate over alert_error_rate_threshold, pool use over
// connection_threshold. Only changes are reported (newly firing, newly resolved), in the shape
// of Alertmanager's alerts, so a webhook receiver sees what Alertmanager would send.
import { createHash } from 'node:crypto';
import type { PoolStats } from '../hsm/pkcs11/session-pool';
import type { WindowSummary } from './window';

export const ALERT_NAMES = {
  down: 'OlocusHsmTokenDown',
  latency: 'OlocusHsmLatencyHigh',
  errors: 'OlocusHsmErrorRateHigh',
  pool: 'OlocusHsmPoolNearlyFull',
} as const;

export interface Thresholds {
  /** p95 latency, seconds. */
  latencySeconds: number;
  /** Failed share of operations, 0–1. */
  errorRate: number;
  /** Busy share of pool.max_sessions, 0–1. */
  poolUse: number;
}

export interface TokenReading {
  token: string;
  up: boolean;
  /** The probe's sentence when it failed. */
  detail?: string;
  recent: WindowSummary;
  pool: PoolStats | null;
}

export type Labels = Record<string, string>;

export interface Alert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  /** Alertmanager's zero time while firing. */
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  /** The reading against its threshold (seconds, shares 0–1), for the run ledger's note; never sent. */
  measure?: Measure;
}

export interface Measure {
  value: number;
  threshold: number;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface Candidate {
  labels: Labels;
  annotations: Labels;
  measure?: Measure;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;

/** Which alerts hold for the readings, as label sets with their explanations. */
export function candidates(readings: readonly TokenReading[], t: Thresholds): Candidate[] {
  const out: Candidate[] = [];
  for (const r of readings) {
    const base = { token: r.token };
    if (!r.up) {
      out.push({
        labels: { alertname: ALERT_NAMES.down, severity: 'critical', ...base },
        annotations: {
          summary: `HSM token ${r.token} failed its health probe`,
          description: r.detail ?? 'The probe failed.',
        },
        measure: { value: 0, threshold: 1 },
      });
    }
    for (const [operation, p] of r.recent.p95) {
      if (p.seconds <= t.latencySeconds) continue;
      out.push({
        labels: { alertname: ALERT_NAMES.latency, severity: 'warning', ...base, operation },
        annotations: {
          summary: `HSM ${operation} latency p95 on ${r.token} is over ${t.latencySeconds * 1000} ms`,
          description: `p95 ${(p.seconds * 1000).toFixed(1)} ms over ${p.count} ${operation} operations (threshold ${t.latencySeconds * 1000} ms).`,
        },
        measure: { value: p.seconds, threshold: t.latencySeconds },
      });
    }
    const { operations, errors } = r.recent;
    if (operations > 0 && errors / operations > t.errorRate) {
      out.push({
        labels: { alertname: ALERT_NAMES.errors, severity: 'warning', ...base },
        annotations: {
          summary: `HSM error rate on ${r.token} is over ${pct(t.errorRate)}`,
          description: `${errors} of ${operations} operations failed (${pct(errors / operations)}; threshold ${pct(t.errorRate)}).`,
        },
        measure: { value: errors / operations, threshold: t.errorRate },
      });
    }
    if (r.pool && r.pool.max > 0 && r.pool.busy / r.pool.max > t.poolUse) {
      out.push({
        labels: { alertname: ALERT_NAMES.pool, severity: 'warning', ...base },
        annotations: {
          summary: `HSM session pool of ${r.token} is over ${pct(t.poolUse)} busy`,
          description: `${r.pool.busy} of ${r.pool.max} sessions busy, ${r.pool.waiting} waiting (threshold ${pct(t.poolUse)}).`,
        },
        measure: { value: r.pool.busy / r.pool.max, threshold: t.poolUse },
      });
    }
  }
  return out;
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

export function fingerprint(labels: Labels): string {
  return createHash('sha256').update(key(labels)).digest('hex').slice(0, 16);
}

/** Remembers what fires, and answers what changed at each evaluation. */
export class AlertTracker {
  private readonly active = new Map<string, Alert>();

  constructor(private readonly generatorURL = '') {}

  update(current: readonly Candidate[], now: Date): Alert[] {
    const changes: Alert[] = [];
    const seen = new Set<string>();
    for (const c of current) {
      const k = key(c.labels);
      seen.add(k);
      const held = this.active.get(k);
      if (held) {
        // The description follows the latest reading; the alert is not sent again.
        held.annotations = c.annotations;
        if (c.measure) held.measure = c.measure;
        continue;
      }
      const alert: Alert = {
        status: 'firing',
        labels: c.labels,
        annotations: c.annotations,
        startsAt: now.toISOString(),
        endsAt: ZERO_TIME,
        generatorURL: this.generatorURL,
        fingerprint: fingerprint(c.labels),
        ...(c.measure ? { measure: c.measure } : {}),
      };
      this.active.set(k, alert);
      changes.push({ ...alert });
    }
    for (const [k, alert] of this.active) {
      if (seen.has(k)) continue;
      this.active.delete(k);
      changes.push({ ...alert, status: 'resolved', endsAt: now.toISOString() });
    }
    return changes;
  }

  firing(): Alert[] {
    return [...this.active.values()].map((a) => ({ ...a }));
  }
}
