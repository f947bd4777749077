// Choosing the hsm-config.yaml in the app, in headless Chromium over the bridge: Home says
// which config is in force; a bad file is refused with its line:col problems and the one in
// force stays; a good file (or pasted text) is taken, Home shows it and its token, and from
// then on a request that names no token reaches that token.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOFTHSM_MODULE } from '../helpers/softhsm';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession } from './harness/index';

let s: E2eSession;
let page: Page;
let good: string;

function configText(label: string): string {
  return [
    'hsm:',
    '  provider: softhsm',
    '  pkcs11:',
    `    module_path: ${SOFTHSM_MODULE}`,
    `    token_label: ${label}`,
    `    pin_source: "file:${join(s.workspace, 'user-pin')}"`,
    '',
  ].join('\n');
}

const inForce = () => page.getByRole('status', { name: 'Configuration in force' });

/** listKeys with no token URI, as the page's window.olocus sends it through the bridge. */
function listKeysWithoutUri(): Promise<{ ok: boolean; label?: string; code?: number }> {
  return page.evaluate(async () => {
    const r = await window.olocus.listKeys({});
    return r.ok ? { ok: true, label: r.value.token.label } : { ok: false, code: r.error.code };
  });
}

beforeAll(async () => {
  s = await startE2e({ tokenLabel: 'e2e-config' });
  good = join(s.workspace, 'hsm-config.yaml');
  writeFileSync(good, configText(s.token.label));
  page = (await s.openPage()).page;
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
});

afterAll(async () => {
  await s?.close();
});

describe('the HSM configuration panel on Home', () => {
  it('says none is in force at first; a request without a token URI is refused', async () => {
    await expect.poll(() => inForce().textContent()).toMatch(/No hsm-config\.yaml is in force/);
    expect(await listKeysWithoutUri()).toEqual({ ok: false, code: 108 });
  });

  it('refuses a bad file with its problem at line and column; nothing changes', async () => {
    const bad = join(s.workspace, 'bad.yaml');
    writeFileSync(
      bad,
      'hsm:\n  provider: softhsm\n  pool:\n    min_sessions: 10\n    max_sessions: 2\n',
    );
    await page.getByLabel('hsm-config.yaml (path)').fill(bad);
    await page.getByRole('button', { name: 'Use this config' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/bad\.yaml:4:\d+: hsm\.pool\.min_sessions \(10\)/);
    expect(await inForce().textContent()).toMatch(/No hsm-config\.yaml is in force/);
    await screenshot(page, 'config-refused');
    await expectNoSeriousA11yViolations(page, 'config-refused');
  });

  it('takes a good file: Home shows it and its token, and the bridge service uses that token', async () => {
    await page.getByLabel('hsm-config.yaml (path)').fill(good);
    await page.getByRole('button', { name: 'Use this config' }).click();
    await expect.poll(() => inForce().textContent()).toMatch(/chosen in this window/);
    const text = (await inForce().textContent()) ?? '';
    expect(text).toContain(good);
    expect(text).toContain(`token=${s.token.label}`);
    expect(text).not.toContain(s.token.userPin);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await listKeysWithoutUri()).toEqual({ ok: true, label: s.token.label });
    await screenshot(page, 'config-in-force');
    await expectNoSeriousA11yViolations(page, 'config-in-force');
  });

  it('takes pasted text too', async () => {
    await page.getByLabel('Or paste its text').fill(configText(s.token.label));
    await page.getByRole('button', { name: 'Use the pasted config' }).click();
    await expect.poll(() => inForce().textContent()).toMatch(/pasted in this window/);
    expect(await listKeysWithoutUri()).toEqual({ ok: true, label: s.token.label });
  });
});
