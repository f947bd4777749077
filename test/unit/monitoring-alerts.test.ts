// The monitor's own alert logic without an HSM: thresholds from config, what fires and what
// resolves, the Alertmanager webhook shape, and URL redaction.
import { describe, expect, it } from 'vitest';
import { parseHsmConfig } from '../../src/main/config/index';
import { AlertTracker, candidates } from '../../src/main/monitoring/alerts';
import type { TokenReading } from '../../src/main/monitoring/alerts';
import { monitorSettingsFromConfig } from '../../src/main/monitoring/settings';
import { redactUrl, webhookPayload } from '../../src/main/monitoring/webhook';
import { SampleWindow, percentile } from '../../src/main/monitoring/window';

const bare = { env: {}, fileExists: () => false };
const thresholds = { latencySeconds: 0.5, errorRate: 0.01, poolUse: 0.8 };

function reading(over: Partial<TokenReading> = {}): TokenReading {
  return {
    token: 'ops',
    up: true,
    recent: { operations: 0, errors: 0, p95: new Map() },
    pool: { open: 2, idle: 1, busy: 1, max: 8, waiting: 0, replaced: 0, reaped: 0, loggedIn: true },
    ...over,
  };
}

describe('alert thresholds', () => {
  it('a healthy token under every threshold fires nothing', () => {
    const recent = {
      operations: 200,
      errors: 2,
      p95: new Map([['sign' as const, { seconds: 0.5, count: 200 }]]),
    };
    expect(candidates([reading({ recent })], thresholds)).toEqual([]);
  });

  it('each threshold crossed fires its own alert, with token (and operation) labels', () => {
    const recent = {
      operations: 100,
      errors: 2,
      p95: new Map([
        ['sign' as const, { seconds: 0.51, count: 90 }],
        ['verify' as const, { seconds: 0.01, count: 10 }],
      ]),
    };
    const pool = {
      open: 8,
      idle: 1,
      busy: 7,
      max: 8,
      waiting: 3,
      replaced: 0,
      reaped: 0,
      loggedIn: true,
    };
    const got = candidates(
      [reading({ up: false, detail: 'HSM error 101 (key not found)', recent, pool })],
      thresholds,
    );
    expect(got.map((c) => c.labels)).toEqual([
      { alertname: 'OlocusHsmTokenDown', severity: 'critical', token: 'ops' },
      { alertname: 'OlocusHsmLatencyHigh', severity: 'warning', token: 'ops', operation: 'sign' },
      { alertname: 'OlocusHsmErrorRateHigh', severity: 'warning', token: 'ops' },
      { alertname: 'OlocusHsmPoolNearlyFull', severity: 'warning', token: 'ops' },
    ]);
    expect(got[0]!.annotations.description).toBe('HSM error 101 (key not found)');
    expect(got[2]!.annotations.description).toContain('2 of 100 operations failed');
    expect(got[3]!.annotations.description).toContain('7 of 8 sessions busy, 3 waiting');
  });

  it('an alert is sent once when it starts firing and once when it resolves', () => {
    const tracker = new AlertTracker();
    const down = candidates([reading({ up: false })], thresholds);
    const t0 = new Date('2026-12-05T10:00:00Z');
    const t1 = new Date('2026-12-05T10:00:30Z');
    const t2 = new Date('2026-12-05T10:01:00Z');
    const first = tracker.update(down, t0);
    expect(first).toMatchObject([
      { status: 'firing', startsAt: t0.toISOString(), endsAt: '0001-01-01T00:00:00Z' },
    ]);
    expect(tracker.update(down, t1)).toEqual([]);
    const resolved = tracker.update([], t2);
    expect(resolved).toMatchObject([
      {
        status: 'resolved',
        startsAt: t0.toISOString(),
        endsAt: t2.toISOString(),
        fingerprint: first[0]!.fingerprint,
      },
    ]);
    expect(tracker.firing()).toEqual([]);
  });
});

describe('the webhook body', () => {
  it('has the Alertmanager webhook (version 4) shape', () => {
    const tracker = new AlertTracker();
    const alerts = tracker.update(
      candidates([reading({ up: false }), reading({ token: 'b', up: false })], thresholds),
      new Date('2026-12-05T10:00:00Z'),
    );
    const body = webhookPayload(alerts);
    expect(Object.keys(body).sort()).toEqual(
      [
        'alerts',
        'commonAnnotations',
        'commonLabels',
        'externalURL',
        'groupKey',
        'groupLabels',
        'receiver',
        'status',
        'truncatedAlerts',
        'version',
      ].sort(),
    );
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      commonLabels: { alertname: 'OlocusHsmTokenDown', severity: 'critical' },
    });
    expect(body.commonLabels.token).toBeUndefined();
    for (const a of body.alerts)
      expect(Object.keys(a).sort()).toEqual([
        'annotations',
        'endsAt',
        'fingerprint',
        'generatorURL',
        'labels',
        'startsAt',
        'status',
      ]);
  });

  it('a resolved-only notification says resolved', () => {
    const tracker = new AlertTracker();
    tracker.update(candidates([reading({ up: false })], thresholds), new Date());
    expect(webhookPayload(tracker.update([], new Date())).status).toBe('resolved');
  });

  it('URLs are logged without user info or query values', () => {
    expect(redactUrl('https://u:pw@hooks.example.net/a/b?token=s3cret&x=1#frag')).toBe(
      'https://REDACTED@hooks.example.net/a/b?token=REDACTED&x=REDACTED',
    );
    expect(redactUrl('not a url s3cret')).not.toContain('s3cret');
  });
});

describe('the sample window', () => {
  it('p95 is the nearest-rank percentile, and old samples leave the window', () => {
    expect(
      percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95),
    ).toBe(19);
    let now = 0;
    const w = new SampleWindow(1_000, 100, () => now);
    w.add('t', 'sign', 2, true);
    now = 500;
    w.add('t', 'sign', 0.1, false);
    expect(w.summary('t')).toMatchObject({ operations: 2, errors: 1 });
    now = 1_200;
    const s = w.summary('t');
    expect(s).toMatchObject({ operations: 1, errors: 0 });
    expect(s.p95.get('sign')).toEqual({ seconds: 0.1, count: 1 });
  });
});

describe('monitoring settings from hsm-config.yaml', () => {
  const cfg = (lines: string[]) =>
    parseHsmConfig(
      ['hsm:', '  provider: softhsm', '  monitoring:', ...lines].join('\n'),
      'm.yaml',
      bare,
    ).config;

  it('thresholds and intervals come from the file', () => {
    const s = monitorSettingsFromConfig(
      cfg([
        '    alert_latency_threshold: 250ms',
        '    alert_error_rate_threshold: 0.05',
        '    connection_threshold: 0.9',
        '    health_check_interval: 5s',
        '    probe_key: olocus-probe',
      ]),
      () => undefined,
    );
    expect(s).toMatchObject({
      healthCheckIntervalMs: 5_000,
      metricsIntervalMs: 30_000,
      thresholds: { latencySeconds: 0.25, errorRate: 0.05, poolUse: 0.9 },
      probeKey: 'olocus-probe',
    });
    expect(s.webhook).toBeUndefined();
  });

  it('a threshold out of range is refused with its line and column', () => {
    expect(() => cfg(['    alert_error_rate_threshold: 1.5'])).toThrow(
      /m\.yaml:4:33: hsm\.monitoring\.alert_error_rate_threshold/,
    );
    expect(() => cfg(['    connection_threshold: 0'])).toThrow(
      /m\.yaml:4:27: hsm\.monitoring\.connection_threshold/,
    );
  });

  it('a webhook URL with a secret is refused in the file, without quoting it', () => {
    let message = '';
    try {
      cfg(['    notification_webhook: "https://hooks.example.net/x?token=s3cret"']);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/notification_webhook.*notification_webhook_env/);
    expect(message).not.toContain('s3cret');
  });

  it('notification_webhook_env reads the URL from the environment; an unset variable is one sentence', () => {
    const c = cfg(['    notification_webhook_env: OLOCUS_HOOK']);
    expect(
      monitorSettingsFromConfig(c, () => undefined, {
        OLOCUS_HOOK: 'https://h.example/x?token=s3cret',
      }).webhook,
    ).toEqual({
      url: 'https://h.example/x?token=s3cret',
    });
    expect(() => monitorSettingsFromConfig(c, () => undefined, {})).toThrow(
      'hsm.monitoring.notification_webhook_env names the variable OLOCUS_HOOK, which is not set; set it to the webhook URL or remove the setting.',
    );
  });
});

describe('the listen address', () => {
  it('is loopback unless --listen-public, which the check then lets through (never bound here)', async () => {
    const { checkListen, isLoopback, parseListen } =
      await import('../../src/main/monitoring/exposition');
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('127.0.0.1:70000')).toThrow('is not HOST:PORT');
    for (const h of ['127.0.0.1', '127.3.2.1', '::1', 'localhost'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'example.net', '128.0.0.1'])
      expect(isLoopback(h), h).toBe(false);
    expect(() => checkListen({ host: '0.0.0.0', port: 9464 }, false)).toThrow(
      /not a loopback address/,
    );
    expect(() => checkListen({ host: '0.0.0.0', port: 9464 }, true)).not.toThrow();
  });
});
