// Live HSM health for the desktop app's HSM screen: the core monitor, watching the token or HSM
// group the officer selected, sampled at each probe for the screen's sparkline and state
// history. Off unless the config in force says hsm.monitoring.enabled or the officer turns it
// on. It opens no socket and sends no webhook (the ceremony room may be offline): alerts go to
// the screen and, while a ceremony runs, to that run's ledger as `monitor.alert` notes.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { HsmGroup } from '../cluster/index';
import type { HsmConfig } from '../config/index';
import type { NoteWriter, RunNotes } from '../ceremony/run/notes';
import { Monitor, monitorSettingsFromConfig, subject } from '../monitoring/index';
import type { Alert, MonitorSettings } from '../monitoring/index';
import { parsePkcs11Address } from './connections';
import type { Connections } from './connections';
import { GROUP_ADDRESS } from './groups';
import type {
  HealthAlertView,
  HealthSample,
  HealthStateChange,
  LiveHealthRequest,
  LiveHealthStatus,
} from '../../shared/contract-health';

export type { LiveHealthRequest, LiveHealthStatus } from '../../shared/contract-health';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** Samples kept per target: ten minutes at the app's fastest probe, a sparkline's worth. */
const KEEP = 120;
/** Without a config the app probes every 5 s with the config defaults' thresholds. */
const DEFAULTS: Omit<MonitorSettings, 'log'> = {
  metricsIntervalMs: 5_000,
  healthCheckIntervalMs: 5_000,
  thresholds: { latencySeconds: 0.5, errorRate: 0.01, poolUse: 0.8 },
};

interface Watch {
  key: string;
  kind: 'token' | 'group';
  subject: string;
  config: HsmConfig | undefined;
  monitor: Monitor;
  settings: MonitorSettings;
  timer: NodeJS.Timeout;
  samples: HealthSample[];
  states: HealthStateChange[];
  lastState: Map<string, string>;
  round: Promise<void> | null;
}

export function alertView(a: Alert): HealthAlertView {
  return {
    alert: a.labels.alertname ?? '',
    status: a.status,
    subject: subject(a),
    severity: a.labels.severity ?? 'warning',
    operation: a.labels.operation ?? null,
    summary: a.annotations.summary ?? '',
    description: a.annotations.description ?? '',
    value: a.measure?.value ?? null,
    threshold: a.measure?.threshold ?? null,
    since: a.startsAt,
    ended: a.status === 'resolved' ? a.endsAt : null,
  };
}

/** The ledger note of an alert change: names and numbers, never a secret. */
function noteData(a: Alert): Record<string, unknown> {
  const { description: _d, ...v } = alertView(a);
  return v;
}

/** Alert changes waiting for the run's ledger, written in order, one at a time. */
class AlertNotes implements RunNotes {
  private write: NoteWriter | null = null;
  private readonly pending: Alert[];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(firing: Alert[]) {
    this.pending = [...firing];
  }

  attach(write: NoteWriter): void {
    if (!this.closed) this.write = write;
  }

  push(changes: readonly Alert[]): void {
    if (this.closed) return;
    this.pending.push(...changes);
    void this.flush();
  }

  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.drain()).catch(() => undefined);
    return this.chain;
  }

  private async drain(): Promise<void> {
    while (this.write && this.pending.length > 0) {
      if (!(await this.write('monitor.alert', noteData(this.pending[0]!)))) return;
      this.pending.shift();
    }
  }

  async detach(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.write = null;
  }
}

export class LiveHealth {
  private toggle: boolean | undefined;
  private watch: Watch | null = null;
  private starting: Promise<Watch> | null = null;
  private readonly runs = new Set<AlertNotes>();

  constructor(
    private readonly connections: Connections,
    private readonly configNow: () => HsmConfig | undefined,
    private readonly configToken: () => string | undefined,
    private readonly openGroup: (key: string) => Promise<HsmGroup>,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Turns live health on or off (`enabled`), watches `target`, and answers what it shows. */
  async status(request: LiveHealthRequest = {}): Promise<LiveHealthStatus> {
    if (request.enabled !== undefined) this.toggle = request.enabled;
    const config = this.configNow();
    const source = this.toggle !== undefined ? 'toggle' : config ? 'config' : 'default';
    // Only an explicit `enabled: true` turns it on in the app; `monitor` treats a missing key as on.
    const enabled = this.toggle ?? config?.hsm.monitoring.enabled === true;
    if (!enabled) {
      await this.stop();
      return this.off(source);
    }
    const key = request.target ?? this.watch?.key ?? this.configToken();
    if (key === undefined) {
      throw invalid(
        'Live health needs a token to watch: give its PKCS#11 URI or a group:NAME/LABEL, or choose a config that names a token.',
      );
    }
    if (!this.watch || this.watch.key !== key || this.watch.config !== config) {
      await this.stop();
      this.starting ??= this.start(key, config).finally(() => (this.starting = null));
      this.watch = await this.starting;
    }
    return this.snapshot(this.watch, source);
  }

  /** Runs `fn` with notes for its ledger: alerts firing now, then every change until it ends. */
  async duringRun<T>(fn: (notes: RunNotes) => Promise<T>): Promise<T> {
    const notes = new AlertNotes(this.watch ? this.watch.monitor.firing() : []);
    this.runs.add(notes);
    try {
      return await fn(notes);
    } finally {
      this.runs.delete(notes);
      await notes.detach();
    }
  }

  private async start(key: string, config: HsmConfig | undefined): Promise<Watch> {
    const base = config ? monitorSettingsFromConfig(config, this.log) : { ...DEFAULTS };
    // No webhook from the ceremony room: the screen and the run's ledger are the outlets.
    const { webhook: _webhook, ...settings } = base;
    const monitor = new Monitor({
      ...settings,
      log: this.log,
      onAlerts: (changes) => {
        for (const n of this.runs) n.push(changes);
      },
    });
    let kind: Watch['kind'];
    let name: string;
    if (GROUP_ADDRESS.test(key)) {
      const g = await this.openGroup(key);
      monitor.addGroup({
        name: g.name,
        checkNow: () => g.checkNow(),
        report: () => g.report(),
        close: () => g.close(),
      });
      kind = 'group';
      name = g.name;
    } else {
      const { provider } = await this.connections.get(parsePkcs11Address(key), 'auto');
      name = (await provider.tokenInfo()).label;
      monitor.addToken(name, provider);
      kind = 'token';
    }
    const w: Watch = {
      key,
      kind,
      subject: name,
      config,
      monitor,
      settings: { ...settings, log: this.log },
      timer: setInterval(() => void this.round(w), settings.healthCheckIntervalMs),
      samples: [],
      states: [],
      lastState: new Map(),
      round: null,
    };
    w.timer.unref();
    try {
      // A probe key missing from the token is one sentence now, not a failing probe later.
      await monitor.once();
      await this.sample(w, 0);
    } catch (e) {
      clearInterval(w.timer);
      await monitor.stop();
      throw e;
    }
    return w;
  }

  /** One probe of the target, the thresholds evaluated, one sample kept; never two at once. */
  private round(w: Watch): Promise<void> {
    w.round ??= (async () => {
      const start = performance.now();
      await w.monitor.probeAll();
      await w.monitor.evaluate();
      await this.sample(w, (performance.now() - start) / 1000);
    })()
      .catch((e: unknown) => this.log(`live health round failed: ${String(e)}`))
      .finally(() => (w.round = null));
    return w.round;
  }

  private async sample(w: Watch, roundSeconds: number): Promise<void> {
    const at = new Date().toISOString();
    const note = (who: string, state: string, detail: string | null) => {
      if (w.lastState.get(who) === state) return;
      w.lastState.set(who, state);
      w.states.push({ at, subject: who, state, detail });
      if (w.states.length > KEEP) w.states.shift();
    };
    let sample: HealthSample;
    if (w.kind === 'group') {
      const members = w.monitor.groupReport()[0]?.members ?? [];
      for (const m of members) note(`${w.subject}/${m.name}`, m.state, m.lastError);
      sample = {
        at,
        up: members.length > 0 && members.some((m) => m.state !== 'out'),
        latencyMs: roundSeconds > 0 ? roundSeconds * 1000 : null,
        errorRate: members.length
          ? members.filter((m) => m.state !== 'healthy').length / members.length
          : 0,
        poolUse: null,
      };
    } else {
      const r = await w.monitor.reading(w.subject);
      const up = r?.up ?? null;
      note(w.subject, up === null ? 'unknown' : up ? 'up' : 'down', r?.detail ?? null);
      const ops = r?.recent.operations ?? 0;
      sample = {
        at,
        up: up === true,
        latencyMs: r?.probeSeconds != null ? r.probeSeconds * 1000 : null,
        errorRate: ops > 0 ? r!.recent.errors / ops : 0,
        poolUse: r?.pool && r.pool.max > 0 ? r.pool.busy / r.pool.max : null,
      };
    }
    w.samples.push(sample);
    if (w.samples.length > KEEP) w.samples.shift();
  }

  private async snapshot(w: Watch, source: LiveHealthStatus['source']): Promise<LiveHealthStatus> {
    const r = w.kind === 'token' ? await w.monitor.reading(w.subject) : null;
    const t = w.settings.thresholds;
    return {
      enabled: true,
      source,
      target: w.key,
      kind: w.kind,
      subject: w.subject,
      probeIntervalMs: w.settings.healthCheckIntervalMs,
      thresholds: { latencyMs: t.latencySeconds * 1000, errorRate: t.errorRate, poolUse: t.poolUse },
      current: r
        ? {
            up: r.up,
            detail: r.detail ?? null,
            operations: r.recent.operations,
            errors: r.recent.errors,
            p95Ms: [...r.recent.p95].map(([operation, p]) => ({
              operation,
              ms: p.seconds * 1000,
            })),
            pool: r.pool
              ? {
                  open: r.pool.open,
                  busy: r.pool.busy,
                  idle: r.pool.idle,
                  max: r.pool.max,
                  waiting: r.pool.waiting,
                }
              : null,
          }
        : null,
      members: (w.monitor.groupReport()[0]?.members ?? []).map((m) => ({
        name: m.name,
        state: m.state,
        lastError: m.lastError,
      })),
      samples: [...w.samples],
      states: [...w.states],
      alerts: w.monitor.firing().map(alertView),
      duringRun: this.runs.size > 0,
    };
  }

  private off(source: LiveHealthStatus['source']): LiveHealthStatus {
    return {
      enabled: false,
      source,
      target: null,
      kind: null,
      subject: null,
      probeIntervalMs: 0,
      thresholds: null,
      current: null,
      members: [],
      samples: [],
      states: [],
      alerts: [],
      duringRun: this.runs.size > 0,
    };
  }

  /** Stops watching; the token stays open (the service's connections own it). */
  async stop(): Promise<void> {
    const w = this.watch;
    this.watch = null;
    if (!w) return;
    clearInterval(w.timer);
    await w.round?.catch(() => undefined);
    await w.monitor.stop();
  }
}
