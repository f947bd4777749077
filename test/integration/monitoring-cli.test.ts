// `monitor`'s bad inputs, each a sentence and an exit code, with nothing served: a listen
// address off loopback, a port in use, a probe key missing, monitoring disabled, --once with
// --listen, no config; and /healthz, /metrics and 404 on a running monitor.
import { writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { monitorFixture, startMonitor } from '../helpers/monitor';
import type { MonitorFixture } from '../helpers/monitor';

let f: MonitorFixture;
beforeAll(async () => {
  f = await monitorFixture('mon-cli', []);
}, 60_000);
afterAll(() => f?.cleanup());

const withMonitoring = (name: string, lines: string[]): string => {
  const path = `${f.dir}/${name}.yaml`;
  const base = readFileSync(f.config, 'utf8').replace(/ {4}probe_key: .*\n/, '');
  writeFileSync(path, base + lines.map((l) => `    ${l}\n`).join(''));
  return path;
};

describe('monitor refuses', () => {
  it('a listen address that is not loopback without --listen-public', async () => {
    const r = await runCli(['monitor', '--config', f.config, '--listen', '0.0.0.0:9464']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: 0.0.0.0 is not a loopback address; the monitor listens on loopback (127.0.0.1, ::1) unless --listen-public is given.\n',
    );
    expect(r.stdout).toBe('');
  });

  it('an address that is not HOST:PORT', async () => {
    const r = await runCli(['monitor', '--config', f.config, '--listen', '9464']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--listen "9464" is not HOST:PORT');
  });

  it('a port in use, in one sentence', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(['monitor', '--config', f.config, '--listen', `127.0.0.1:${port}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `error: 127.0.0.1:${port} is already in use; choose another port with --listen.\n`,
      );
    } finally {
      busy.close();
    }
  }, 30_000);

  it('a probe key missing from the token, naming it', async () => {
    const cfg = withMonitoring('missing', ['probe_key: no-such-probe']);
    const r = await runCli(['monitor', '--once', '--config', cfg]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'error: HSM error 101 (key not found): The probe key "no-such-probe" (hsm.monitoring.probe_key) is not on token "mon-cli"; create a signing key with that label for the monitor, or remove the setting to probe with token checks only.\n',
    );
    expect(r.stdout).toBe('');
  }, 30_000);

  it('a config with monitoring.enabled false', async () => {
    const cfg = withMonitoring('off', ['enabled: false']);
    const r = await runCli(['monitor', '--once', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: hsm.monitoring.enabled is false in the config; set it to true to run the monitor.\n',
    );
  }, 30_000);

  it('a threshold out of range, with line and column', async () => {
    const cfg = withMonitoring('range', ['connection_threshold: 1.2']);
    const r = await runCli(['monitor', '--once', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /range\.yaml:8:27: hsm\.monitoring\.connection_threshold must be between 0 and 1 \(got 1\.2\)\n$/,
    );
  });

  it('--once with --listen, and no --config', async () => {
    const a = await runCli(['monitor', '--once', '--config', f.config, '--listen', '127.0.0.1:1']);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('error: --once prints the metrics and exits; it takes no --listen.\n');
    const b = await runCli(['monitor', '--once']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('monitor needs --config FILE');
  });
});

describe('a running monitor', () => {
  it('serves /metrics, /healthz and nothing else, token checks only without a probe key', async () => {
    const cfg = withMonitoring('plain', ['health_check_interval: 1s']);
    const mon = await startMonitor(['--config', cfg, '--listen', '127.0.0.1:0']);
    try {
      expect(mon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${mon.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        status: 'ok',
        tokens: [{ token: 'mon-cli', up: true }],
      });
      const metrics = await fetch(`${mon.url}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toContain('olocus_hsm_up{token="mon-cli"} 1');
      expect(text).toContain('olocus_hsm_pool_sessions{token="mon-cli",state="open"}');
      // No probe key: no signing at all.
      expect(text).not.toContain('operation="sign"');
      expect((await fetch(`${mon.url}/`)).status).toBe(404);
      expect((await fetch(`${mon.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      expect(await mon.stop()).toBe(0);
    }
    expect(mon.stdout()).toBe('Monitor stopped (SIGTERM).\n');
  }, 60_000);
});
