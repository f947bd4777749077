// Batch signing on the HSM screen, in headless Chromium over the bridge, with a real SoftHSM
// group of two tokens holding the same key, each member in its own process
// (cluster.member_host: process): the panel shows the counts as batchProgress events arrive and,
// at the end, the manifest with the member that signed each file. A key the config does not
// name is refused with its sentence and nothing is written.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { groupTokens } from '../helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { SOFTHSM_MODULE } from '../helpers/softhsm';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession } from './harness/index';

let s: E2eSession;
let page: Page;
let anchor: Pkcs11Provider;
const g = groupTokens(['e2e-b1', 'e2e-b2']);
const FILES = 120;

beforeAll(async () => {
  s = await startE2e({ tokenLabel: 'e2e-batch' });
  anchor = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: 'e2e-b1' } });
  const key = makeKeyPair('ec-p256');
  for (const t of ['e2e-b1', 'e2e-b2']) importKeyPair(t, '314159', 'k', key);
  const cfg = join(s.workspace, 'group.yaml');
  writeFileSync(
    cfg,
    [
      'hsm:',
      '  provider: softhsm',
      'cluster:',
      '  name: signers',
      `  primary: "${g.uris[0]}"`,
      '  backups:',
      `    - "${g.uris[1]}"`,
      '  member_host: process',
      '',
    ].join('\n'),
  );
  const inDir = join(s.workspace, 'requests');
  mkdirSync(inDir);
  for (let i = 0; i < FILES; i++)
    writeFileSync(join(inDir, `req-${String(i).padStart(3, '0')}.csr`), `request ${i}\n`);
  page = (await s.openPage()).page;
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  const used = await page.evaluate(
    async (path) => (await window.olocus.useConfig({ path })).ok,
    cfg,
  );
  expect(used).toBe(true);
  await page.getByRole('navigation').getByRole('button', { name: /HSM/ }).click();
  await page.getByRole('heading', { level: 1, name: 'HSM' }).waitFor();
});

afterAll(async () => {
  await s?.close();
  await anchor?.close();
});

const panel = () => page.getByRole('form', { name: 'Batch signing' });

async function fill(key: string, outDir: string): Promise<void> {
  await panel().getByLabel('Key (group:NAME/LABEL or a key URI)').fill(key);
  await panel().getByLabel('Files to sign (directory)').fill(join(s.workspace, 'requests'));
  await panel().getByLabel('Signatures and manifest (directory)').fill(outDir);
}

describe('the batch-signing panel', () => {
  it('refuses a group the config does not name, with its sentence; nothing is written', async () => {
    const out = join(s.workspace, 'never');
    await fill('group:other/k', out);
    await panel().getByRole('button', { name: 'Sign the files' }).click();
    const alert = panel().getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      'The config names the HSM group "signers", not "other".',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('signs every file through the two members, shows the progress, then the manifest with who signed each', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { seen: number[] };
      w.seen = [];
      window.olocus.onBatchProgress((p) => w.seen.push(p.done));
    });
    const out = join(s.workspace, 'signed');
    await fill('group:signers/k', out);
    await panel().getByRole('button', { name: 'Sign the files' }).click();
    const progress = panel().getByRole('status', { name: 'Batch progress' });
    await progress.waitFor();
    await expect
      .poll(() => progress.textContent(), { timeout: 60_000 })
      .toMatch(
        new RegExp(`${FILES} of ${FILES} files: ${FILES} signed now, 0 already signed.*finished`),
      );
    expect(await panel().getByLabel('Files done').getAttribute('value')).toBe(String(FILES));
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen.at(-1)).toBe(FILES);
    expect(seen.length).toBeGreaterThan(1);

    const manifest = panel().getByRole('region', { name: 'Batch manifest' });
    await manifest.waitFor();
    const onDisk = JSON.parse(readFileSync(join(out, 'batch-manifest.json'), 'utf8')) as {
      entries: { file: string; member: string }[];
    };
    const rows = manifest.getByRole('row');
    expect(await rows.count()).toBe(FILES + 1);
    const first = onDisk.entries[0]!;
    const row = manifest.getByRole('row', { name: new RegExp(first.file.replace('.', '\\.')) });
    expect(await row.getByRole('cell').last().textContent()).toBe(first.member);
    expect(new Set(onDisk.entries.map((e) => e.member))).toEqual(new Set(['e2e-b1', 'e2e-b2']));
    expect(await manifest.textContent()).toMatch(/e2e-b1: \d+ \(\d+%\), e2e-b2: \d+ \(\d+%\)/);
    await screenshot(page, 'batch-signed');
    await expectNoSeriousA11yViolations(page, 'batch-signed');
  });
});
