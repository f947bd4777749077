// Alerts reaching a loopback HTTP receiver in the Alertmanager webhook shape: firing when the
// probe key goes, resolved when it is back; the webhook URL's secret never in any output. A
// receiver that answers 500 or hangs is retried and then logged, and signing never waits for it.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { Monitor } from '../../src/main/monitoring/monitor';
import { WebhookSender, webhookPayload } from '../../src/main/monitoring/webhook';
import type { WebhookPayload } from '../../src/main/monitoring/webhook';
import {
  createProbeKey,
  deleteProbeKey,
  eventually,
  monitorFixture,
  startMonitor,
} from '../helpers/monitor';
import { SOFTHSM_MODULE, createToken, pin } from '../helpers/softhsm';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Receiver {
  url: string;
  bodies: WebhookPayload[];
  hits: number;
}

async function receiver(
  answer: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<Receiver> {
  const r: Receiver = { url: '', bodies: [], hits: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      r.hits++;
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return r;
}

describe('monitor → webhook receiver', () => {
  it('POSTs firing then resolved, Alertmanager-shaped, and never shows the URL secret', async () => {
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const hook = await receiver((req, res, body) => {
      if (req.method === 'POST' && req.url === `/hook?token=${secret}`) {
        hook.bodies.push(JSON.parse(body) as WebhookPayload);
        res.writeHead(200).end();
      } else res.writeHead(404).end();
    });
    const f = await monitorFixture('mon-hook', [
      'health_check_interval: 300ms',
      'metrics_interval: 300ms',
      'notification_webhook_env: OLOCUS_TEST_HOOK',
    ]);
    cleanups.push(() => f.cleanup());
    const mon = await startMonitor(['--config', f.config, '--listen', '127.0.0.1:0'], {
      OLOCUS_TEST_HOOK: `${hook.url}/hook?token=${secret}`,
    });
    cleanups.push(() => mon.stop());
    expect((await fetch(`${mon.url}/healthz`)).status).toBe(200);

    deleteProbeKey(f);
    const firing = await eventually('a firing TokenDown notification', async () =>
      hook.bodies.find(
        (b) =>
          b.status === 'firing' &&
          b.alerts.some((a) => a.labels.alertname === 'OlocusHsmTokenDown'),
      ),
    );
    expect(firing).toMatchObject({ version: '4', receiver: 'olocus-ceremony', groupLabels: {} });
    const down = firing.alerts.find((a) => a.labels.alertname === 'OlocusHsmTokenDown')!;
    expect(down).toMatchObject({
      status: 'firing',
      labels: { alertname: 'OlocusHsmTokenDown', severity: 'critical', token: 'mon-hook' },
      endsAt: '0001-01-01T00:00:00Z',
    });
    expect(down.annotations.description).toContain('The probe key "olocus-probe"');
    expect(Date.parse(down.startsAt)).not.toBeNaN();

    await createProbeKey(f);
    const resolved = await eventually('a resolved TokenDown notification', async () =>
      hook.bodies.find((b) =>
        b.alerts.some(
          (a) => a.labels.alertname === 'OlocusHsmTokenDown' && a.status === 'resolved',
        ),
      ),
    );
    const back = resolved.alerts.find((a) => a.labels.alertname === 'OlocusHsmTokenDown')!;
    expect(back.startsAt).toBe(down.startsAt);
    expect(back.fingerprint).toBe(down.fingerprint);
    expect(Date.parse(back.endsAt)).toBeGreaterThan(Date.parse(back.startsAt));
    // Firing was sent once, however many probes failed meanwhile.
    expect(
      hook.bodies.filter((b) =>
        b.alerts.some((a) => a.labels.alertname === 'OlocusHsmTokenDown' && a.status === 'firing'),
      ),
    ).toHaveLength(1);

    expect(await mon.stop()).toBe(0);
    const output = mon.stdout() + mon.stderr();
    expect(output).toContain(`${hook.url}/hook?token=REDACTED`);
    expect(output).toContain('delivered (HTTP 200)');
    expect(output).not.toContain(secret);
    expect(output).not.toContain(secret.slice(0, 12));
  }, 90_000);
});

describe('a receiver that fails', () => {
  const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
  const body = webhookPayload([
    {
      status: 'firing',
      labels: { alertname: 'OlocusHsmTokenDown', token: 't' },
      annotations: { summary: 's', description: 'd' },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: '0',
    },
  ]);

  it('answering 500 is retried with backoff, then the failure is logged, redacted', async () => {
    const hook = await receiver((_req, res) => res.writeHead(500).end('no'));
    const lines: string[] = [];
    const results: string[] = [];
    const times: number[] = [];
    const sender = new WebhookSender({
      url: `${hook.url}/hook?token=${secret}`,
      retries: 3,
      backoffMs: 50,
      log: (l) => {
        lines.push(l);
        times.push(Date.now());
      },
      onResult: (r) => results.push(r),
    });
    const start = Date.now();
    sender.send(body);
    await sender.flush();
    expect(hook.hits).toBe(4);
    expect(results).toEqual(['failed']);
    expect(lines.slice(0, 3).every((l) => /answered HTTP 500; retrying in \d+ ms\./.test(l))).toBe(
      true,
    );
    expect(lines[3]).toMatch(
      /answered HTTP 500; the firing notification \(OlocusHsmTokenDown\) was not delivered after 4 attempts\.$/,
    );
    // 50 + 100 + 200 ms of backoff at least.
    expect(Date.now() - start).toBeGreaterThanOrEqual(350);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain('token=REDACTED');
  });

  it('a receiver that never answers times out; signing meanwhile does not wait for it', async () => {
    const hook = await receiver(() => undefined); // holds every request open
    const token = createToken('mon-slow');
    const provider = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: token.label },
    });
    cleanups.push(() => provider.close());
    await provider.login(pin(token.userPin));
    await provider.generateKeyPair('ec-p256', { label: 'work' });
    const lines: string[] = [];
    const monitor = new Monitor({
      metricsIntervalMs: 60_000,
      healthCheckIntervalMs: 60_000,
      thresholds: { latencySeconds: 0.5, errorRate: 0.01, poolUse: 0.8 },
      probeKey: 'not-there',
      webhook: { url: `${hook.url}/hook?token=${secret}`, retries: 0, timeoutMs: 1_500 },
      log: (l) => lines.push(l),
    });
    const timed = monitor.addToken(token.label, provider);
    await monitor.probeAll();
    const changes = await monitor.evaluate();
    expect(changes.map((c) => c.labels.alertname)).toContain('OlocusHsmTokenDown');
    await eventually('the webhook request to arrive', async () =>
      hook.hits > 0 ? true : undefined,
    );

    const t0 = performance.now();
    const signed = await timed.sign({ label: 'work', class: 'private' }, new Uint8Array(32));
    const took = performance.now() - t0;
    expect(signed.signature.length).toBe(64);
    expect(took).toBeLessThan(1_000);
    expect(lines.some((l) => /not delivered/.test(l))).toBe(false); // still hanging

    await monitor.stop(); // waits for the timeout
    expect(lines.find((l) => /not delivered/.test(l))).toMatch(/did not answer within 1500 ms/);
    expect(lines.join('\n')).not.toContain(secret);
    const text = await monitor.metrics.text();
    expect(text).toContain('olocus_hsm_alert_notifications_total{result="failed"} 1');
    expect(text).toMatch(
      /olocus_hsm_operation_duration_seconds_count\{token="mon-slow",operation="sign"\} 2/,
    );
    expect(text).toContain('olocus_hsm_errors_total{token="mon-slow",operation="sign",code="101"');
  }, 30_000);
});
