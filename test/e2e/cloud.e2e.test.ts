// The HSM screen's Cloud HSMs panel in headless Chromium over the bridge: AWS chosen, a region
// typed, List pressed on a machine with no AWS credentials. The answer is the 102 sentence in
// the screen's alert style; nothing leaves 127.0.0.1 (no credentials means no signed request,
// and the product leaves the EC2 metadata service alone unless asked).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession } from './harness/index';
import { saveAwsEnv, setAwsCredentials } from '../fakes/aws/env';

const restoreAwsEnv = saveAwsEnv();

let s: E2eSession;
let page: Page;

beforeAll(async () => {
  // No credentials anywhere the SDK's chain looks: not in the environment, not in ~/.aws.
  const empty = mkdtempSync(join(tmpdir(), 'olocus-no-aws-'));
  setAwsCredentials(empty, null);
  s = await startE2e({ tokenLabel: 'e2e-cloud' });
  page = (await s.openPage()).page;
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
});

afterAll(async () => {
  await s?.close();
  restoreAwsEnv();
});

describe('Cloud HSMs on the HSM screen', () => {
  it('AWS without credentials: List answers the 102 sentence as an alert, by keyboard', async () => {
    await page.getByRole('navigation').getByRole('button', { name: /HSM/ }).click();
    await page.getByRole('heading', { level: 1, name: 'HSM' }).waitFor();
    const panel = page.getByRole('form', { name: 'Cloud HSMs' });
    await panel.waitFor();
    await panel.getByLabel('Provider').selectOption('aws');
    const address = panel.getByLabel('Address');
    await address.fill('awscloudhsm://eu-west-1');
    // The endpoint waits under Advanced; the officer need not see it.
    await expect(panel.getByLabel('API endpoint (optional)').isVisible()).resolves.toBe(false);
    await address.press('Enter');
    const alert = panel.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('Listing failed');
    expect(text).toContain('Error 102');
    expect(text).toMatch(/No AWS credentials were found to .*AWS_ACCESS_KEY_ID/);
    expect(text).toMatch(/EC2 instance metadata service was not asked/);
    expect(await panel.getByRole('table').count()).toBe(0);
    // The List button is back, and the form keeps what was typed.
    await expect(panel.getByRole('button', { name: 'List' }).isEnabled()).resolves.toBe(true);
    await expect(address.inputValue()).resolves.toBe('awscloudhsm://eu-west-1');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, '03-hsm-cloud');
    await expectNoSeriousA11yViolations(page, '03-hsm-cloud');
  });

  it('a malformed address is refused with 108 and its shape, and the earlier alert is replaced', async () => {
    const panel = page.getByRole('form', { name: 'Cloud HSMs' });
    await panel.getByLabel('Address').fill('awscloudhsm://Europe');
    await panel.getByRole('button', { name: 'List' }).click();
    const alert = panel.getByRole('alert');
    await expect
      .poll(async () => (await alert.textContent()) ?? '', { timeout: 10_000 })
      .toContain('Error 108');
    expect(await alert.textContent()).toContain('is not an AWS region');
    expect(await panel.getByRole('alert').count()).toBe(1);
  });
});
