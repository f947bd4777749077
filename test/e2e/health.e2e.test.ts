// Live health on the HSM screen, in headless Chromium over the bridge: off until a config with
// hsm.monitoring.enabled is in force, then the token's probes as a sparkline, error rate, pool
// use and state history, read from main's monitor; the officer's toggle turns it off.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';
import { SOFTHSM_MODULE } from '../helpers/softhsm';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession } from './harness/index';

let s: E2eSession;
let page: Page;

const panel = () =>
  page
    .getByRole('group', { name: 'Live health' })
    .or(page.locator('form', { has: page.getByRole('heading', { name: 'Live health' }) }));

beforeAll(async () => {
  s = await startE2e({ tokenLabel: 'e2e-health' });
  page = (await s.openPage()).page;
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
});

afterAll(async () => {
  await s?.close();
});

async function openHsm() {
  await page
    .getByRole('navigation', { name: 'Ceremony screens' })
    .getByRole('button', { name: 'HSM' })
    .click();
  await page.getByRole('heading', { level: 1, name: 'HSM' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Live health' }).waitFor();
}

describe('live health on the HSM screen', () => {
  it('is off with no config in force, and says how to turn it on', async () => {
    await openHsm();
    await expect
      .poll(() => panel().textContent())
      .toMatch(/Off: turn it on above, or choose a config with hsm\.monitoring\.enabled/);
    expect(
      await page.getByRole('checkbox', { name: /Watch this token or group/ }).isChecked(),
    ).toBe(false);
  });

  it('on from the config in force: the token up, a sparkline of its probes, state history; axe-clean', async () => {
    const file = join(s.workspace, 'hsm-config.yaml');
    writeFileSync(
      file,
      [
        'hsm:',
        '  provider: softhsm',
        '  pkcs11:',
        `    module_path: ${SOFTHSM_MODULE}`,
        `    token_label: ${s.token.label}`,
        `    pin_source: "file:${join(s.workspace, 'user-pin')}"`,
        '  monitoring:',
        '    enabled: true',
        '    health_check_interval: 1s',
        '',
      ].join('\n'),
    );
    const used = await page.evaluate(
      async (path) => (await window.olocus.useConfig({ path })).ok,
      file,
    );
    expect(used).toBe(true);
    // The screen reads health when it opens: leave and come back.
    await page
      .getByRole('navigation', { name: 'Ceremony screens' })
      .getByRole('button', { name: 'Home' })
      .click();
    await openHsm();
    const status = panel().getByRole('status');
    await expect
      .poll(() => status.textContent(), { timeout: 15_000 })
      .toBe(`Token ${s.token.label}: up`);
    // Main keeps probing every second; the panel reads it every two.
    await expect
      .poll(async () => (await panel().getByRole('img').getAttribute('aria-label')) ?? '', {
        timeout: 15_000,
      })
      .toMatch(/Probe latency, last ([3-9]|\d\d+) probes: latest [\d.]+ ms/);
    const text = (await panel().textContent()) ?? '';
    expect(text).toMatch(/Error rate0\.0%/);
    expect(text).toMatch(/Pool use\d+ of \d+ sessions busy/);
    expect(text).toMatch(/None firing\./);
    expect(text).toContain(`${s.token.label}: up`);
    expect(text).not.toContain(s.token.userPin);
    expect(
      await page.getByRole('checkbox', { name: /Watch this token or group/ }).isChecked(),
    ).toBe(true);
    await panel().scrollIntoViewIfNeeded();
    await screenshot(page, 'hsm-live-health');
    await expectNoSeriousA11yViolations(page, 'hsm-live-health');
  });

  it("the officer's toggle turns it off; main stops probing", async () => {
    await page.getByRole('checkbox', { name: /Watch this token or group/ }).uncheck();
    await expect.poll(() => panel().textContent()).toMatch(/Off\./);
    const r = await page.evaluate(async () => {
      const x = await window.olocus.liveHealth({});
      return x.ok ? { enabled: x.value.enabled, source: x.value.source } : null;
    });
    expect(r).toEqual({ enabled: false, source: 'toggle' });
  });

  it('a ceremony running while an alert fires shows the banner on every screen; axe-clean', async () => {
    // A probe key whose RSA-4096 signs take milliseconds, and a 1 ms latency threshold.
    const made = await page.evaluate(
      async (hsmUri) =>
        (await window.olocus.generateKey({ hsmUri, type: 'rsa-4096', label: 'olocus-probe' })).ok,
      s.hsmUri,
    );
    expect(made).toBe(true);
    const file = join(s.workspace, 'low.yaml');
    writeFileSync(
      file,
      [
        'hsm:',
        '  provider: softhsm',
        '  pkcs11:',
        `    module_path: ${SOFTHSM_MODULE}`,
        `    token_label: ${s.token.label}`,
        `    pin_source: "file:${join(s.workspace, 'user-pin')}"`,
        '  monitoring:',
        '    enabled: true',
        '    health_check_interval: 1s',
        '    alert_latency_threshold: 1ms',
        '    probe_key: olocus-probe',
        '',
      ].join('\n'),
    );
    expect(
      await page.evaluate(async (path) => (await window.olocus.useConfig({ path })).ok, file),
    ).toBe(true);
    // Controlled by main's answer: it shows checked once live health has started.
    await page.getByRole('checkbox', { name: /Watch this token or group/ }).click();
    await expect
      .poll(() => panel().textContent(), { timeout: 15_000 })
      .toMatch(/OlocusHsmLatencyHigh/);
    // No run yet: no banner.
    expect(await page.locator('.health-banner').count()).toBe(0);

    const scriptPath = join(s.workspace, 'root-ca.yaml');
    writeFileSync(
      scriptPath,
      readFileSync(join(ROOT, 'resources/ceremonies/root-ca.yaml'), 'utf8').replace(
        /module-path=[^'"]+/,
        `module-path=${SOFTHSM_MODULE}`,
      ),
    );
    const nav = page.getByRole('navigation', { name: 'Ceremony screens' });
    await nav.getByRole('button', { name: 'Home' }).click();
    await page.getByLabel('Ceremony script (YAML path)').fill(scriptPath);
    await page.getByLabel(/^Run directory/).fill(join(s.workspace, 'run'));
    await page.getByRole('button', { name: 'Review script' }).click();
    await page.getByRole('button', { name: 'Continue to HSM' }).click();
    await page.getByRole('button', { name: 'Continue to participants' }).click();
    for (const name of [
      'Ada Administrator',
      'Alice Archer',
      'Bob Baker',
      'Carol Chen',
      'Dave Diaz',
      'Erin Evans',
      'Walter Witness',
      'Audrey Auditor',
    ])
      await page.getByLabel(name, { exact: true }).check();
    await page.getByRole('button', { name: 'Start the ceremony' }).click();
    const banner = page.locator('.health-banner');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toMatch(
      /^HSM health alert during the ceremony: HSM (sign|verify) latency p95 on e2e-health is over 1 ms.*It is noted in the run's ledger\.$/,
    );
    await screenshot(page, 'health-alert-banner');
    await expectNoSeriousA11yViolations(page, 'health-alert-banner');
  });
});
