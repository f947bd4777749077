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
}

interface Target {
  token: string;
  provider: TokenProvider;
  up: boolean | null;
  detail?: string;
  downSince?: Date;
}

export interface TokenHealthState {
  token: string;
  up: boolean | null;
  detail?: string;
  unhealthySince?: string;
}

export class Monitor {
  readonly metrics = new HsmMetrics();
  private readonly window: SampleWindow;
  private readonly targets: Target[] = [];
  private readonly tracker = new AlertTracker();
  private readonly webhook: WebhookSender | undefined;
  private timers: NodeJS.Timeout[] = [];
  private probing: Promise<void> | null = null;

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

  /** Checks the probe key is on every token (one sentence naming it if not), then starts. */
  async start(): Promise<void> {
    if (this.settings.probeKey !== undefined) {
      for (const t of this.targets)
        await checkProbeKey(t.provider, t.token, this.settings.probeKey);
    }
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
    if (this.settings.probeKey !== undefined) {
      for (const t of this.targets)
        await checkProbeKey(t.provider, t.token, this.settings.probeKey);
    }
    await this.probeAll();
    await this.evaluate();
    await this.webhook?.flush();
  }

  /** Probes every token; a round still running is joined, not doubled. */
  probeAll(): Promise<void> {
    this.probing ??= (async () => {
      for (const t of this.targets) await this.probe(t);
    })().finally(() => (this.probing = null));
    return this.probing;
  }

  private async probe(t: Target): Promise<void> {
    const r = await probeToken(t.provider, t.token, this.settings.probeKey);
    const m = this.metrics;
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
        pool: await t.provider.poolStats().catch(() => null),
      });
    }
    const changes = this.tracker.update(candidates(readings, this.settings.thresholds), now);
    this.metrics.alertsFiring.reset();
    for (const a of this.tracker.firing())
      this.metrics.alertsFiring.set(
        { alertname: a.labels.alertname ?? '', token: a.labels.token ?? '' },
        1,
      );
    for (const a of changes)
      this.settings.log(
        a.status === 'firing'
          ? `alert ${a.labels.alertname} firing for ${a.labels.token}: ${a.annotations.description}`
          : `alert ${a.labels.alertname} resolved for ${a.labels.token}.`,
      );
    if (changes.length > 0) this.webhook?.send(webhookPayload(changes));
    return changes;
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
  }
}
