// The metric names, docs/monitoring.md, the Prometheus rules and the Grafana dashboard must
// agree: every metric documented with its type and labels, every rule and panel naming only
// metrics that exist, and the rules' thresholds equal to the config defaults.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseHsmConfig } from '../../src/main/config/index';
import { ALERT_NAMES } from '../../src/main/monitoring/alerts';
import { EXTRA_ALERT_NAMES } from '../../src/main/monitoring/extras';
import { HsmMetrics } from '../../src/main/monitoring/metrics';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/monitoring.md', root), 'utf8');
const rules = parse(
  readFileSync(new URL('resources/monitoring/olocus-alerts.yml', root), 'utf8'),
) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
const dashboard = JSON.parse(
  readFileSync(new URL('resources/monitoring/olocus-dashboard.json', root), 'utf8'),
) as { panels: { targets: { expr: string }[] }[] };

async function described() {
  const m = new HsmMetrics();
  return (await m.registry.getMetricsAsJSON()).map((x) => ({
    name: x.name,
    type: String(x.type),
    labels: [
      ...new Set(
        (x.values as { labels: Record<string, unknown> }[]).flatMap((v) => Object.keys(v.labels)),
      ),
    ],
  }));
}

/** Metric names a PromQL expression uses (histogram series map back to their family). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(olocus_hsm_[a-z_]+)/g)].map((m) =>
    m[1]!.replace(/_(bucket|count|sum)$/, ''),
  );
}

describe('docs/monitoring.md', () => {
  it('documents every metric with its type, and every metric follows the naming rules', async () => {
    const metrics = new HsmMetrics();
    const names = (await metrics.registry.getMetricsAsJSON()).map(
      (m) => [m.name, String(m.type)] as const,
    );
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const [name, type] of names) {
      expect(name).toMatch(/^olocus_hsm_[a-z_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
      if (/duration/.test(name)) expect(name).toMatch(/_seconds$/);
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      expect(row).toContain(`| ${type} |`);
    }
    // And nothing documented that does not exist.
    const documented = [...doc.matchAll(/^\| `(olocus_hsm_[a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(names.map(([n]) => n).sort());
    expect((await described()).length).toBe(names.length);
  });

  it('lists each label of each metric', async () => {
    const m = new HsmMetrics();
    for (const x of await m.registry.getMetricsAsJSON()) {
      const labelNames = (m.registry.getSingleMetric(x.name) as unknown as { labelNames: string[] })
        .labelNames;
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${x.name}\` |`))!;
      for (const l of labelNames) expect(row, `${x.name} ${l}`).toContain(`\`${l}\``);
    }
  });
});

describe('resources/monitoring', () => {
  const all = rules.groups.flatMap((g) => g.rules);

  it('the rules carry the alerts the monitor raises, plus the scrape check', () => {
    expect(all.map((r) => r.alert).sort()).toEqual(
      [
        ...Object.values(ALERT_NAMES),
        ...Object.values(EXTRA_ALERT_NAMES),
        'OlocusHsmMonitorDown',
      ].sort(),
    );
  });

  it('the rules thresholds are the config defaults', () => {
    const { config } = parseHsmConfig('hsm:\n  provider: softhsm\n', 'd.yaml', {
      env: {},
      fileExists: () => false,
    });
    const m = config.hsm.monitoring;
    const expr = (name: string) =>
      all
        .find((r) => r.alert === name)!
        .expr.replace(/\s+/g, ' ')
        .trim();
    expect(expr(ALERT_NAMES.latency)).toMatch(new RegExp(`> ${m.alert_latency_threshold / 1000}$`));
    expect(expr(ALERT_NAMES.errors)).toMatch(new RegExp(`> ${m.alert_error_rate_threshold}$`));
    expect(expr(ALERT_NAMES.pool)).toMatch(new RegExp(`> ${m.connection_threshold}$`));
  });

  it('rules and dashboard name only metrics the monitor exports', async () => {
    const known = new Set((await described()).map((d) => d.name));
    const used = [
      ...all.flatMap((r) => metricsIn(r.expr)),
      ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))),
    ];
    expect(used.length).toBeGreaterThan(10);
    for (const u of used) expect(known, u).toContain(u);
  });
});
