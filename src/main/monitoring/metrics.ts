// The Prometheus metrics of the HSM monitor, in a registry of their own (never prom-client's
// global one: a process may hold two monitors, and tests hold many). Names follow the Prometheus
// rules: an `olocus_hsm_` prefix, base units (`_seconds`), `_total` on counters, and labels of
// low cardinality (token label, operation name, error code, CKR name). docs/monitoring.md
// documents each one; test/unit/monitoring-metrics.test.ts keeps the two in step.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../hsm/pkcs11/session-pool';
import { ErrorCode, isOlocusError } from '../../shared/errors';

/** The operations timed, as the `operation` label spells them. */
export const OPERATIONS = [
  'sign',
  'verify',
  'generate',
  'wrap',
  'unwrap',
  'encrypt',
  'decrypt',
  'login',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** HSM calls take from well under a millisecond (SoftHSM) to seconds (network HSMs, RSA-4096 keygen). */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** What an error is counted as: the seed code (100–109) and the CKR name, or "none". */
export function errorLabels(e: unknown): { code: string; ckr: string } {
  if (isOlocusError(e)) return { code: String(e.code), ckr: e.ckr ?? 'none' };
  return { code: String(ErrorCode.OPERATION_FAILED), ckr: 'none' };
}

export type PoolSource = () => Promise<PoolStats | null>;

export class HsmMetrics {
  readonly registry = new Registry();
  readonly duration: Histogram<'token' | 'operation'>;
  readonly errors: Counter<'token' | 'operation' | 'code' | 'ckr'>;
  readonly up: Gauge<'token'>;
  readonly probeDuration: Gauge<'token'>;
  readonly probes: Counter<'token' | 'result'>;
  readonly unhealthySince: Gauge<'token'>;
  readonly poolSessions: Gauge<'token' | 'state'>;
  readonly poolMax: Gauge<'token'>;
  readonly alertsFiring: Gauge<'alertname' | 'token'>;
  readonly notifications: Counter<'result'>;
  readonly memberState: Gauge<'group' | 'member' | 'state'>;
  readonly rotationDue: Gauge<'family'>;
  private readonly pools = new Map<string, PoolSource>();

  constructor() {
    const registers = [this.registry];
    this.duration = new Histogram({
      name: 'olocus_hsm_operation_duration_seconds',
      help: 'Time an HSM operation took, failures included.',
      labelNames: ['token', 'operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: 'olocus_hsm_errors_total',
      help: 'HSM operations that failed, by error code (100-109) and PKCS#11 CKR name.',
      labelNames: ['token', 'operation', 'code', 'ckr'],
      registers,
    });
    this.up = new Gauge({
      name: 'olocus_hsm_up',
      help: 'Whether the last health probe of the token passed (1) or failed (0).',
      labelNames: ['token'],
      registers,
    });
    this.probeDuration = new Gauge({
      name: 'olocus_hsm_probe_duration_seconds',
      help: 'How long the last health probe of the token took.',
      labelNames: ['token'],
      registers,
    });
    this.probes = new Counter({
      name: 'olocus_hsm_probes_total',
      help: 'Health probes run, by result (ok, failed).',
      labelNames: ['token', 'result'],
      registers,
    });
    this.unhealthySince = new Gauge({
      name: 'olocus_hsm_unhealthy_since_timestamp_seconds',
      help: 'Unix time of the first failed probe of the current failure run; 0 while healthy.',
      labelNames: ['token'],
      registers,
    });
    const pools = this.pools;
    this.poolSessions = new Gauge({
      name: 'olocus_hsm_pool_sessions',
      help: 'PKCS#11 sessions of the token pool, by state (open, busy, idle, waiting).',
      labelNames: ['token', 'state'],
      registers,
      // Read at scrape time, so the gauges are never older than the scrape.
      async collect() {
        for (const [token, source] of pools) {
          const s = await source().catch(() => null);
          if (!s) continue;
          this.set({ token, state: 'open' }, s.open);
          this.set({ token, state: 'busy' }, s.busy);
          this.set({ token, state: 'idle' }, s.idle);
          this.set({ token, state: 'waiting' }, s.waiting);
        }
      },
    });
    this.poolMax = new Gauge({
      name: 'olocus_hsm_pool_max_sessions',
      help: 'The most sessions the token pool may open (hsm.pool.max_sessions).',
      labelNames: ['token'],
      registers,
      async collect() {
        for (const [token, source] of pools) {
          const s = await source().catch(() => null);
          if (s) this.set({ token }, s.max);
        }
      },
    });
    this.alertsFiring = new Gauge({
      name: 'olocus_hsm_alerts_firing',
      help: "Alerts the monitor's own threshold checks hold firing (1), by alert name.",
      labelNames: ['alertname', 'token'],
      registers,
    });
    this.notifications = new Counter({
      name: 'olocus_hsm_alert_notifications_total',
      help: 'Alert webhook deliveries, by result (sent, failed after every retry).',
      labelNames: ['result'],
      registers,
    });
    this.memberState = new Gauge({
      name: 'olocus_hsm_group_member_state',
      help: 'HSM group members by failover state: 1 for the state the member is in, 0 for the others.',
      labelNames: ['group', 'member', 'state'],
      registers,
    });
    this.rotationDue = new Gauge({
      name: 'olocus_hsm_key_rotation_due_seconds',
      help: "Seconds until the key family's primary is due for rotation; negative once overdue.",
      labelNames: ['family'],
      registers,
    });
  }

  /** The token's pool is read at every scrape. */
  watchPool(token: string, source: PoolSource): void {
    this.pools.set(token, source);
  }

  /** Records one finished operation: its time always, the error when there was one. */
  record(token: string, operation: Operation, seconds: number, error?: unknown): void {
    this.duration.observe({ token, operation }, seconds);
    if (error !== undefined) this.errors.inc({ token, operation, ...errorLabels(error) });
  }

  /** The Prometheus text exposition of everything above. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
