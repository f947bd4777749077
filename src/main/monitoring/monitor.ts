// The HSM monitor: probes each token every health_check_interval, reads pools and evaluates the
// alert thresholds every metrics_interval, keeps the Prometheus registry current and sends
// alert changes to the webhook. It owns no socket: exposition.ts serves the registry when asked.
import type { TokenProvider } from '../hsm/provider';
import type { Alert, Thresholds, TokenReading } from './alerts';
import { AlertTracker, candidates } from './alerts';
import { instrumentProvider } from './instrument';
import { HsmMetrics } from './metrics';
import { checkProbeKey, probeToken } from './probe';
import { webhookPayload, WebhookSender } from './webhook';
import type { WebhookOptions } from './webhook';
import { SampleWindow } from './window';
import type { WindowSummary } from './window';
import { MEMBER_STATES, memberCandidates, rotationCandidates } from './extras';
import type { GroupSource, ProbeFn, RotationDate, RotationSource, Timer } from './extras';
import type { Operation } from './metrics';
import type { PoolStats } from '../hsm/pkcs11/session-pool';

export interface MonitorSettings {
  metricsIntervalMs: number;
  healthCheckIntervalMs: number;
  thresholds: Thresholds;
  /** Label of the key the probe signs and verifies with; absent: token checks only. */
  probeKey?: string;
  /** How far back the latency and error-rate checks look; default 5 × metrics interval. */
  windowMs?: number;
  webhook?: Omit<WebhookOptions, 'log' | 'onResult'>;
  log: (line: string) => void;
  /** Told of every alert that starts firing or resolves (the app's banner and run ledger). */
  onAlerts?: (changes: Alert[]) => void;
}

interface Target {
  token: string;
  /** A PKCS#11 token (pool, token checks or probe key); or else `probeFn`, a cloud key's probe. */
  provider?: TokenProvider;
  probeFn?: ProbeFn;
  up: boolean | null;
  detail?: string;
  downSince?: Date;
  /** How long the last probe took. */
  seconds?: number;
}

export interface TokenHealthState {
  token: string;
  up: boolean | null;
  detail?: string;
  unhealthySince?: string;
}

/** What an alert is about: the token, or the group member, or the key family. */
export function subject(a: Alert): string {
  const l = a.labels;
  return l.token ?? (l.member ? `${l.group}/${l.member}` : (l.family ?? ''));
}

export class Monitor {
  readonly metrics = new HsmMetrics();
  private readonly window: SampleWindow;
  private readonly targets: Target[] = [];
  private readonly tracker = new AlertTracker();
  private readonly webhook: WebhookSender | undefined;
  private timers: NodeJS.Timeout[] = [];
  private probing: Promise<void> | null = null;
  private readonly groups: GroupSource[] = [];
  private readonly rotations: RotationSource[] = [];

  constructor(private readonly settings: MonitorSettings) {
    this.window = new SampleWindow(settings.windowMs ?? 5 * settings.metricsIntervalMs);
    this.webhook = settings.webhook
      ? new WebhookSender({
          ...settings.webhook,
          log: settings.log,
          onResult: (result) => this.metrics.notifications.inc({ result }),
        })
      : undefined;
  }

  /** Watches a token; answers the same token with its operations timed and counted. */
  addToken(token: string, provider: TokenProvider): TokenProvider {
    const timed = instrumentProvider(provider, token, {
      metrics: this.metrics,
      window: this.window,
    });
    // The same token opened twice (two services, a reconnect) is probed once: the latest wins.
    const i = this.targets.findIndex((t) => t.token === token);
    if (i >= 0) this.targets.splice(i, 1);
    this.targets.push({ token, provider: timed, up: null });
    this.metrics.watchPool(token, () => provider.poolStats());
    return timed;
  }

  /** Watches a target that is no PKCS#11 token (a cloud key): `probe` is its round trip. */
  addProbe(name: string, probe: ProbeFn): void {
    const i = this.targets.findIndex((t) => t.token === name);
    if (i >= 0) this.targets.splice(i, 1);
    this.targets.push({ token: name, probeFn: probe, up: null });
  }

  /** Watches an HSM group's members: a health round each probe, a state gauge per member. */
  addGroup(group: GroupSource): void {
    const i = this.groups.findIndex((g) => g.name === group.name);
    if (i >= 0) this.groups.splice(i, 1);
    this.groups.push(group);
  }

  /** Rotation dates of key families, read at every evaluation (the lifecycle's `keys due`). */
  addRotationSource(source: RotationSource): void {
    this.rotations.push(source);
  }

  /** Times `fn` as an operation of `token`, as instrumentProvider does for a token's calls. */
  private timer(token: string): Timer {
    return async (operation: Operation, fn) => {
      const start = performance.now();
      const record = (error?: unknown) => {
        const seconds = (performance.now() - start) / 1000;
        this.metrics.record(token, operation, seconds, error);
        this.window.add(token, operation, seconds, error !== undefined);
      };
      try {
        const out = await fn();
        record();
        return out;
      } catch (e) {
        record(e);
        throw e;
      }
    };
  }

  /** Checks the probe key is on every token (one sentence naming it if not), then starts. */
  async start(): Promise<void> {
    await this.checkProbeKeys();
    await this.probeAll();
    await this.evaluate();
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const timer = setInterval(() => void fn().catch(() => undefined), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.settings.healthCheckIntervalMs, () => this.probeAll());
    every(this.settings.metricsIntervalMs, () => this.evaluate());
  }

  /** One probe of every token and one evaluation, for `monitor --once`; waits for the webhook. */
  async once(): Promise<void> {
    await this.checkProbeKeys();
    await this.probeAll();
    await this.evaluate();
    await this.webhook?.flush();
  }

  private async checkProbeKeys(): Promise<void> {
    if (this.settings.probeKey === undefined) return;
    for (const t of this.targets)
      if (t.provider) await checkProbeKey(t.provider, t.token, this.settings.probeKey);
  }

  /** Probes every token; a round still running is joined, not doubled. */
  probeAll(): Promise<void> {
    this.probing ??= (async () => {
      for (const t of this.targets) await this.probe(t);
      for (const g of this.groups) await this.probeGroup(g);
    })().finally(() => (this.probing = null));
    return this.probing;
  }

  private async probeGroup(g: GroupSource): Promise<void> {
    await g.checkNow().catch(() => undefined);
    for (const m of g.report())
      for (const state of MEMBER_STATES)
        this.metrics.memberState.set(
          { group: g.name, member: m.name, state },
          m.state === state ? 1 : 0,
        );
  }

  private async runProbeFn(t: Target, probe: ProbeFn) {
    const start = performance.now();
    try {
      await probe(this.timer(t.token));
      return { ok: true, seconds: (performance.now() - start) / 1000 };
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      return { ok: false, seconds: (performance.now() - start) / 1000, detail };
    }
  }

  private async probe(t: Target): Promise<void> {
    const r = t.provider
      ? await probeToken(t.provider, t.token, this.settings.probeKey)
      : await this.runProbeFn(t, t.probeFn!);
    const m = this.metrics;
    t.seconds = r.seconds;
    m.up.set({ token: t.token }, r.ok ? 1 : 0);
    m.probeDuration.set({ token: t.token }, r.seconds);
    m.probes.inc({ token: t.token, result: r.ok ? 'ok' : 'failed' });
    if (r.ok) {
      if (t.up === false) this.settings.log(`token ${t.token} passes its health probe again.`);
      t.downSince = undefined;
      t.detail = undefined;
      m.unhealthySince.set({ token: t.token }, 0);
    } else {
      if (t.up !== false) {
        t.downSince = new Date();
        this.settings.log(`token ${t.token} failed its health probe: ${r.detail}`);
      }
      t.detail = r.detail;
      m.unhealthySince.set({ token: t.token }, Math.floor(t.downSince!.getTime() / 1000));
    }
    t.up = r.ok;
  }

  /** Evaluates the thresholds; changes are logged and sent to the webhook. */
  async evaluate(now = new Date()): Promise<Alert[]> {
    const readings: TokenReading[] = [];
    for (const t of this.targets) {
      readings.push({
        token: t.token,
        up: t.up !== false,
        ...(t.detail ? { detail: t.detail } : {}),
        recent: this.window.summary(t.token),
        pool: t.provider ? await t.provider.poolStats().catch(() => null) : null,
      });
    }
    const groups = this.groups.map((g) => ({ group: g.name, members: g.report() }));
    const dates = await this.rotationDates();
    const changes = this.tracker.update(
      [
        ...candidates(readings, this.settings.thresholds),
        ...memberCandidates(groups),
        ...rotationCandidates(dates),
      ],
      now,
    );
    this.metrics.alertsFiring.reset();
    for (const a of this.tracker.firing())
      this.metrics.alertsFiring.set({ alertname: a.labels.alertname ?? '', token: subject(a) }, 1);
    for (const a of changes)
      this.settings.log(
        a.status === 'firing'
          ? `alert ${a.labels.alertname} firing for ${subject(a)}: ${a.annotations.description}`
          : `alert ${a.labels.alertname} resolved for ${subject(a)}.`,
      );
    if (changes.length > 0) {
      this.webhook?.send(webhookPayload(changes));
      try {
        this.settings.onAlerts?.(changes);
      } catch (e) {
        this.settings.log(`an alert listener failed: ${e instanceof Error ? e.message : e}`);
      }
    }
    return changes;
  }

  /** Every source's rotation dates, the gauge set from them; a source that fails is logged. */
  private async rotationDates(): Promise<RotationDate[]> {
    const out: RotationDate[] = [];
    for (const source of this.rotations) {
      try {
        out.push(...(await source()));
      } catch (e) {
        this.settings.log(
          `the key inventory could not be read for rotation dates: ${e instanceof Error ? e.message : e}`,
        );
      }
    }
    for (const d of out)
      this.metrics.rotationDue.set({ family: d.family }, d.secondsUntil);
    return out;
  }

  /** The latest of one target, for the app's live health panel. */
  async reading(token: string): Promise<{
    up: boolean | null;
    detail?: string;
    probeSeconds: number | null;
    recent: WindowSummary;
    pool: PoolStats | null;
  } | null> {
    const t = this.targets.find((x) => x.token === token);
    if (!t) return null;
    return {
      up: t.up,
      ...(t.detail ? { detail: t.detail } : {}),
      probeSeconds: t.seconds ?? null,
      recent: this.window.summary(token),
      pool: t.provider ? await t.provider.poolStats().catch(() => null) : null,
    };
  }

  /** The members of the groups watched, as their last health round left them. */
  groupReport(): { group: string; members: ReturnType<GroupSource['report']> }[] {
    return this.groups.map((g) => ({ group: g.name, members: g.report() }));
  }

  health(): { ok: boolean; tokens: TokenHealthState[] } {
    const tokens = this.targets.map((t) => ({
      token: t.token,
      up: t.up,
      ...(t.detail ? { detail: t.detail } : {}),
      ...(t.downSince ? { unhealthySince: t.downSince.toISOString() } : {}),
    }));
    return { ok: this.targets.every((t) => t.up === true), tokens };
  }

  firing(): Alert[] {
    return this.tracker.firing();
  }

  /** Stops the timers and waits for notifications under way. Tokens stay open: their owner closes them. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.probing?.catch(() => undefined);
    await this.webhook?.flush();
    for (const g of this.groups) await g.close?.().catch(() => undefined);
  }
}
