// The monitor against the real Prometheus tools (Debian's prometheus package): promtool checks
// the shipped rules, runs their unit tests and lints the monitor's exposition; a real Prometheus
// server on loopback scrapes `monitor`, and its HTTP API must show the values the load implies,
// then the TokenDown alert firing once the probe key is gone.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli';
import {
  deleteProbeKey,
  eventually,
  freePort,
  monitorFixture,
  startMonitor,
} from '../helpers/monitor';
import type { MonitorFixture, RunningMonitor } from '../helpers/monitor';

const RULES = join(ROOT, 'resources/monitoring/olocus-alerts.yml');
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function promtool(args: string[], input?: string): { code: number; out: string } {
  try {
    const out = execFileSync('promtool', args, {
      cwd: join(ROOT, 'resources/monitoring'),
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: 0, out: out.toString() };
  } catch (e) {
    const err = e as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

describe('promtool', () => {
  it('accepts the shipped alerting rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.out).toContain('SUCCESS: 7 rules found');
    expect(r.code).toBe(0);
  });

  it("passes the rules' unit tests (each alert fires on its series and not on the others)", () => {
    const r = promtool(['test', 'rules', 'olocus-alerts.test.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('fails a rule whose threshold drifts, so the unit tests can fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'olocus-rules-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const here = join(ROOT, 'resources/monitoring');
    writeFileSync(
      join(dir, 'olocus-alerts.yml'),
      readFileSync(join(here, 'olocus-alerts.yml'), 'utf8').replace('> 0.8', '> 0.9'),
    );
    writeFileSync(
      join(dir, 'olocus-alerts.test.yml'),
      readFileSync(join(here, 'olocus-alerts.test.yml'), 'utf8'),
    );
    const r = promtool(['test', 'rules', join(dir, 'olocus-alerts.test.yml')]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('OlocusHsmPoolNearlyFull');
  });

  it('finds nothing to complain about in `monitor --once` output', async () => {
    const f = await monitorFixture('mon-once', []);
    cleanups.push(() => f.cleanup());
    const r = await runCli(['monitor', '--once', '--config', f.config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('olocus_hsm_up{token="mon-once"} 1');
    expect(r.stdout).toMatch(
      /olocus_hsm_operation_duration_seconds_count\{token="mon-once",operation="sign"\} 1\n/,
    );
    const lint = promtool(['check', 'metrics'], r.stdout);
    expect(lint.out).toBe('');
    expect(lint.code).toBe(0);
  }, 60_000);
});

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, q: string): Promise<PromSample[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: PromSample[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

describe('a real Prometheus scraping the monitor', () => {
  let f: MonitorFixture;
  let mon: RunningMonitor;
  let prom: ChildProcess;
  let base: string;

  it('sees the probe load, the pool, and the TokenDown alert when the probe key goes', async () => {
    f = await monitorFixture('mon-prom', [
      'health_check_interval: 300ms',
      'metrics_interval: 300ms',
    ]);
    cleanups.push(() => f.cleanup());
    mon = await startMonitor(['--config', f.config, '--listen', '127.0.0.1:0']);
    cleanups.push(() => mon.stop());
    const target = mon.url.replace('http://', '');

    // The shipped rules with their `for:` shortened: the expressions are the ones under test.
    const dir = mkdtempSync(join(tmpdir(), 'olocus-prom-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'rules.yml'),
      readFileSync(RULES, 'utf8').replace(/for: \d+m/g, 'for: 0s'),
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${join(dir, 'rules.yml')}`,
        'scrape_configs:',
        '  - job_name: olocus-hsm',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    let promLog = '';
    prom = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stderr!.on('data', (c: Buffer) => (promLog += c.toString()));
    const promExit = new Promise((r) => prom.on('close', r));
    cleanups.push(async () => {
      prom.kill('SIGTERM');
      await promExit;
    });
    await eventually('Prometheus to be ready', async () =>
      (await fetch(`${base}/-/ready`)).ok ? true : undefined,
    );

    // Healthy: up, sign and verify once per probe, the pool's max from hsm.pool (default 8).
    const up = await eventually('olocus_hsm_up to be scraped', async () => {
      const r = await query(base, 'olocus_hsm_up{job="olocus-hsm"}');
      return r.length > 0 && r[0]!.value[1] === '1' ? r : undefined;
    });
    expect(up[0]!.metric).toMatchObject({ token: 'mon-prom', instance: target });
    const [max] = await query(base, 'olocus_hsm_pool_max_sessions');
    expect(max!.value[1]).toBe('8');
    await eventually('a few probes', async () => {
      const [p] = await query(base, 'olocus_hsm_probes_total{result="ok"}');
      return p && Number(p.value[1]) >= 3 ? true : undefined;
    });
    // Every probe signs once and verifies once: the counts in one scrape agree.
    const same = await query(
      base,
      'sum by (token) (olocus_hsm_probes_total) - on (token) olocus_hsm_operation_duration_seconds_count{operation="sign"}',
    );
    // (-1 only if a scrape fell between a probe's sign and its end.)
    expect(same).toHaveLength(1);
    expect(['0', '-1']).toContain(same[0]!.value[1]);
    const [verifies] = await query(
      base,
      'olocus_hsm_operation_duration_seconds_count{operation="verify"}',
    );
    const [signs] = await query(
      base,
      'olocus_hsm_operation_duration_seconds_count{operation="sign"}',
    );
    expect(Number(signs!.value[1]) - Number(verifies!.value[1])).toBeGreaterThanOrEqual(0);
    expect(Number(signs!.value[1]) - Number(verifies!.value[1])).toBeLessThanOrEqual(1);
    expect(await query(base, 'ALERTS{alertstate="firing"}')).toEqual([]);

    // The fault: the probe key deleted by another client. The member is out, the errors are
    // counted under 101, and Prometheus' own rule fires.
    deleteProbeKey(f);
    const alert = await eventually('OlocusHsmTokenDown to fire', async () => {
      const r = await query(base, 'ALERTS{alertname="OlocusHsmTokenDown",alertstate="firing"}');
      return r.length > 0 ? r : undefined;
    });
    expect(alert[0]!.metric).toMatchObject({ token: 'mon-prom', severity: 'critical' });
    const errors = await query(base, 'olocus_hsm_errors_total');
    expect(errors[0]!.metric).toMatchObject({ operation: 'sign', code: '101' });
    const [since] = await query(base, 'olocus_hsm_unhealthy_since_timestamp_seconds');
    expect(Number(since!.value[1])).toBeGreaterThan(Date.now() / 1000 - 120);
    const health = await fetch(`${mon.url}/healthz`);
    expect(health.status).toBe(503);
    expect(promLog).not.toMatch(/level=error/);
    expect(await mon.stop()).toBe(0);
  }, 120_000);
});
