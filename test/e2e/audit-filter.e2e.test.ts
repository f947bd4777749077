// The Audit timeline's filter in headless Chromium over the bridge: a run opened from Home,
// filtered by event types, time range and key, with exactly the records a hand count gives; a
// range the wrong way round refused by its sentence; a ledger that does not verify shows no
// record. Photographed and checked with axe.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../src/main/audit';
import { writeGeneratedLedger } from '../helpers/generated-ledger';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession } from './harness/index';

let s: E2eSession;
let page: Page;
let goodDir: string;
let brokenDir: string;
let written: LedgerRecord[];
const COUNT = 600;

function heading(name: string | RegExp): Locator {
  return page.getByRole('heading', { level: 1, name });
}

async function openRun(dir: string): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Home' }).click();
  await heading('Home').waitFor();
  await page.getByRole('button', { name: `Open ${dir}` }).click();
  await heading('Audit timeline').waitFor();
}

const timelineRows = () => page.locator('table.timeline tbody tr');

beforeAll(async () => {
  s = await startE2e({ tokenLabel: 'e2e-audit-filter' });
  process.env.OLOCUS_WORKSPACE = s.workspace;
  goodDir = join(s.workspace, 'lifecycle-run');
  brokenDir = join(s.workspace, 'tampered-run');
  mkdirSync(goodDir);
  mkdirSync(brokenDir);
  written = writeGeneratedLedger(join(goodDir, 'audit.jsonl'), COUNT, 200).records;
  const lines = readFileSync(join(goodDir, 'audit.jsonl'), 'utf8').split('\n');
  lines[250] = lines[250]!.replace('"alice (administrator)"', '"mallory (administrator)"');
  writeFileSync(join(brokenDir, 'audit.jsonl'), lines.join('\n'));
  page = (await s.openPage()).page;
  await page.setViewportSize({ width: 1440, height: 900 });
  await heading('Home').waitFor();
});

afterAll(async () => {
  await s?.close();
});

describe('the Audit timeline filter', () => {
  it('shows exactly the records a hand count gives', async () => {
    await openRun(goodDir);
    await page.getByRole('heading', { name: `Ledger (${COUNT} records)` }).waitFor();

    await page.getByLabel(/^Event types/).selectOption(['key.generated', 'signature.created']);
    await page.getByLabel('Since').fill('2026-01-01T03:00:00Z');
    await page.getByLabel('Until').fill('2026-01-01T09:00:00Z');
    await page.getByLabel('Key label').fill('issuing-b');
    await page.getByRole('button', { name: 'Apply filter' }).click();

    const since = Date.parse('2026-01-01T03:00:00Z');
    const until = Date.parse('2026-01-01T09:00:00Z');
    const byHand = written.filter(
      (w) =>
        (w.type === 'key.generated' || w.type === 'signature.created') &&
        w.data.label === 'issuing-b' &&
        Date.parse(w.time) >= since &&
        Date.parse(w.time) <= until,
    );
    expect(byHand.length).toBeGreaterThan(3);
    await page
      .getByRole('heading', {
        name: `Ledger: ${byHand.length} of ${COUNT} records match the filter`,
      })
      .waitFor();
    await expect
      .poll(() => timelineRows().locator('td:first-child').allTextContents())
      .toEqual(byHand.map((w) => String(w.seq)));
    await expect(
      page.getByRole('status').filter({ hasText: 'records match' }).textContent(),
    ).resolves.toContain(`${byHand.length} of ${COUNT} records match. The ledger verifies`);
    await screenshot(page, '10-audit-filtered');
    await expectNoSeriousA11yViolations(page, '10-audit-filtered');

    await page.getByRole('button', { name: 'Clear filter' }).click();
    await page.getByRole('heading', { name: `Ledger (${COUNT} records)` }).waitFor();
    expect(await page.getByLabel('Key label').inputValue()).toBe('');
  });

  it('refuses a range the wrong way round with its sentence', async () => {
    await page.getByLabel('Since').fill('2026-01-02T00:00:00Z');
    await page.getByLabel('Until').fill('2026-01-01');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page
      .getByText(
        '--since 2026-01-02T00:00:00.000Z is after --until 2026-01-01T00:00:00.000Z, so no record could match; swap them or widen the range.',
      )
      .waitFor();
    await page.getByRole('heading', { name: `Ledger (${COUNT} records)` }).waitFor();
  });

  it('shows no record of a ledger that does not verify', async () => {
    await openRun(brokenDir);
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page
      .getByText(
        /^The ledger does NOT verify, so no record of it is shown: record 250 \(line 251\) is edited/,
      )
      .waitFor();
    await page.getByText('No record is shown: the ledger does not verify.').waitFor();
    expect(await timelineRows().count()).toBe(0);
    await screenshot(page, '10-audit-filter-broken');
    await expectNoSeriousA11yViolations(page, '10-audit-filter-broken');
  });
});
