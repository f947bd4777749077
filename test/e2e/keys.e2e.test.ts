// The Key inventory screen and Home's keys-due notice in headless Chromium over the bridge, on a
// real SoftHSM token and a fixed clock (OLOCUS_TEST_NOW): a family made three months earlier is
// listed with its versions, states, dates and verdicts; Home says what is overdue once the
// config naming the token is in force; an older version is disabled; a destruction is scheduled
// with typed shares (a forged one refused by name, every field emptied at once); rotation opens
// the bundled rotation ceremony. Photographed and checked with axe.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSecret, toShareText } from '../../src/main/ceremony/quorum/index';
import { RUN_FORMAT, saveState } from '../../src/main/ceremony/run/state';
import { CeremonyService } from '../../src/main/service/index';
import { SOFTHSM_MODULE } from '../helpers/softhsm';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession } from './harness/index';

let s: E2eSession;
let page: Page;
const officers = ['Alice Archer', 'Bob Baker', 'Carol Chen'];
let shares: string[] = [];
let forged = '';
let runDir = '';
const NOW = '2027-04-05T09:00:00.000Z';

const heading = (name: string | RegExp): Locator => page.getByRole('heading', { level: 1, name });
const versionRow = (label: string) =>
  page.locator('tr', { has: page.getByRole('cell', { name: label, exact: true }) });

beforeAll(async () => {
  process.env.OLOCUS_TEST_NOW = NOW; // read by the bridge's service as it starts
  s = await startE2e({ tokenLabel: 'e2e-keys' });
  process.env.OLOCUS_WORKSPACE = s.workspace; // the default inventory lives under it

  // The family was made and rotated in January by another process, on its own clock.
  let clock = new Date('2027-01-01T09:00:00.000Z');
  const earlier = new CeremonyService({ now: () => clock });
  try {
    const key = (o: string) => s.hsmUri.replace('?', `;object=${o}?`);
    await earlier.generateKey(s.hsmUri, 'ec-p256', 'root');
    await earlier.lifecycle.rotate(key('root'));
    clock = new Date('2027-01-11T09:00:00.000Z');
    await earlier.lifecycle.rotate(key('root@latest'));
    const { token } = await earlier.listKeys(s.hsmUri);
    // The ceremony run that made the token: its officers' token-PIN split approves destruction.
    const split = await splitSecret(new Uint8Array(32).fill(3), {
      ceremonyId: 'e2e-keys-run',
      secretId: 'token-pins',
      threshold: 2,
      custodians: officers,
    });
    runDir = join(s.workspace, 'token-run');
    await saveState(runDir, {
      format: RUN_FORMAT,
      mode: 'run',
      ceremonyId: 'e2e-keys-run',
      scriptSha256: '0'.repeat(64),
      status: 'finished',
      startedAt: clock.toISOString(),
      token: {
        label: token.label,
        serial: token.serial,
        manufacturer: token.manufacturer,
        model: token.model,
      },
      secrets: {
        'token-pins': {
          threshold: 2,
          total: 3,
          custodians: officers,
          commitments: split.commitments,
          secretCommitment: split.secretCommitment,
        },
      },
      keys: {},
      steps: [],
    });
    shares = split.shares.map((x) => toShareText(x));
    const other = await splitSecret(new Uint8Array(32).fill(4), {
      ceremonyId: 'e2e-keys-run',
      secretId: 'token-pins',
      threshold: 2,
      custodians: officers,
    });
    forged = toShareText(other.shares[1]!);
  } finally {
    await earlier.close();
  }

  writeFileSync(
    join(s.workspace, 'hsm-config.yaml'),
    [
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${SOFTHSM_MODULE}`,
      `    token_label: ${s.token.label}`,
      `    pin_source: "file:${join(s.workspace, 'user-pin')}"`,
      '',
    ].join('\n'),
  );
  page = (await s.openPage()).page;
  await page.setViewportSize({ width: 1440, height: 1000 });
  await heading('Home').waitFor();
});

afterAll(async () => {
  delete process.env.OLOCUS_TEST_NOW;
  await s?.close();
});

describe('Home: keys due for the config in force', () => {
  it('shows nothing without a config, and what keys due says once one names the token', async () => {
    expect(await page.getByRole('status', { name: 'Keys due' }).count()).toBe(0);
    // The inventories' folder in the workspace is not a run.
    await page.getByRole('button', { name: `Open ${join(s.workspace, 'token-run')}` }).waitFor();
    expect(
      await page.getByRole('button', { name: `Open ${join(s.workspace, 'keys')}` }).count(),
    ).toBe(0);
    await page.getByLabel('hsm-config.yaml (path)').fill(join(s.workspace, 'hsm-config.yaml'));
    await page.getByRole('button', { name: 'Use this config' }).click();
    const notice = page.getByRole('status', { name: 'Keys due' });
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toMatch(/1 overdue/);
    const text = (await notice.textContent()) ?? '';
    // On 2027-04-05: v2's overlap ended 2027-01-18; v3 (primary since 2027-01-11) is due 2027-04-11.
    expect(text).toContain('root v2: the end of its overlap (disable it) was due 2027-01-18.');
    expect(text).toContain('root v3: rotation is due 2027-04-11.');
    await screenshot(page, 'home-keys-due');
    await expectNoSeriousA11yViolations(page, 'home-keys-due');
  });
});

describe('the Key inventory screen', () => {
  it('lists the family from the token: versions with state, dates and verdicts, rotate and disable offered', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Key inventory' }).click();
    await heading('Key inventory').waitFor();
    await page.getByRole('heading', { name: /Key family root/ }).waitFor();
    expect(await versionRow('root').getByText('disabled', { exact: true }).count()).toBe(1);
    expect(await versionRow('root@v2').getByText('enabled', { exact: true }).count()).toBe(1);
    expect(await versionRow('root@v3').getByText('primary', { exact: true }).count()).toBe(1);
    expect(await versionRow('root@v3').textContent()).toContain('2027-01-11');
    expect(await versionRow('root@v3').textContent()).toContain('2027-04-18'); // token end date
    expect(await page.locator('tbody .badge-pass').count()).toBe(3);
    await page.getByRole('button', { name: 'Disable root v2' }).waitFor();
    await page.getByRole('button', { name: /^Rotate root in a ceremony/ }).waitFor();
    await screenshot(page, 'keys-inventory');
    await expectNoSeriousA11yViolations(page, 'keys-inventory');
  });

  it('disables v2 after a second press; the table shows it disabled', async () => {
    await page.getByRole('button', { name: 'Disable root v2' }).click();
    await page.getByRole('button', { name: 'Yes: disable root v2' }).click();
    await page.getByText('Disabled root v2 ("root@v2").').waitFor();
    await expect
      .poll(() => versionRow('root@v2').getByText('disabled', { exact: true }).count())
      .toBe(1);
    expect(await versionRow('root@v2').textContent()).toContain('2027-04-05');
  });

  it('refuses a forged share by its officer, with every share field emptied at once', async () => {
    await page.getByRole('button', { name: 'Schedule destruction of root v1' }).click();
    await page.getByRole('heading', { name: 'Schedule the destruction of root v1' }).waitFor();
    await page.getByLabel('Ceremony run directory of the officers').fill(runDir);
    await page.getByLabel('Officer presenting share 1').fill('Alice Archer');
    await page.getByLabel('Share 1 text (as on the card)').fill(shares[0]!);
    await page.getByLabel('Officer presenting share 2').fill('Bob Baker');
    await page.getByLabel('Share 2 text (as on the card)').fill(forged);
    await page.getByRole('button', { name: 'Approve and schedule destruction' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/1 of 2 shares presented/);
    expect(await alert.textContent()).toMatch(/Bob Baker/);
    expect(await page.getByLabel('Share 1 text (as on the card)').inputValue()).toBe('');
    expect(await page.getByLabel('Share 2 text (as on the card)').inputValue()).toBe('');
    expect(await versionRow('root').getByText('disabled', { exact: true }).count()).toBe(1);
    await screenshot(page, 'keys-destroy-refused');
    await expectNoSeriousA11yViolations(page, 'keys-destroy-refused');
  });

  it('a quorum schedules the destruction; nothing of the shares stays on the page', async () => {
    await page.getByLabel('Officer presenting share 1').fill('Alice Archer');
    await page.getByLabel('Share 1 text (as on the card)').fill(shares[0]!);
    await page.getByLabel('Officer presenting share 2').fill('Carol Chen');
    await page.getByLabel('Share 2 text (as on the card)').fill(shares[2]!);
    await page.getByRole('button', { name: 'Approve and schedule destruction' }).click();
    await page
      .getByText(
        'root v1 is scheduled for destruction after 2027-05-05, approved by Alice Archer, Carol Chen (2 of 3).',
      )
      .waitFor();
    await expect
      .poll(() => versionRow('root').getByText('destroy-scheduled', { exact: true }).count())
      .toBe(1);
    const html = await page.content();
    for (const share of shares) expect(html).not.toContain(share.split('\n')[1]!);
  });

  it('rotate opens the bundled rotation ceremony for review', async () => {
    await page.getByRole('button', { name: /^Rotate root in a ceremony/ }).click();
    await heading('Script review').waitFor();
    await page.getByText('Olocus Example root key rotation').first().waitFor();
  });
});
