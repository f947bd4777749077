// The Transfer screen moving keys between two independent modules, SoftHSM → NSS softoken, in
// headless Chromium over the bridge: the officer types the two URIs (NSS's with its database in
// x-init-args), and the result shows the proof and the RFC 5649 mechanism number each module
// used (0x210A on SoftHSM, confirmed by a known-answer test; the standard 0x210B on NSS).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession, OpenedPage } from './harness/index';

let s: E2eSession;
let app: OpenedPage;
let page: Page;
let nssUri = '';

const keyUri = (label: string, type: string) =>
  s.hsmUri.replace('?', `;object=${label};type=${type}?`);

/** The text of the result's row named `term`. */
const fact = (term: string) =>
  page
    .locator('dl.facts dt')
    .filter({ hasText: new RegExp(`^${term}$`) })
    .locator('xpath=following-sibling::dd[1]')
    .textContent();

async function transfer(label: string, type: string): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Transfer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
  await page.getByLabel(/^Source key/).fill(keyUri(label, type));
  await page.getByLabel(/^Target token/).fill(nssUri);
  await page.getByRole('button', { name: 'Transfer and verify' }).click();
  await page.getByRole('heading', { name: `Result: ${label}` }).waitFor({ timeout: 120_000 });
}

describe.skipIf(!NSS_MODULE)('Transfer screen: SoftHSM → NSS softoken', () => {
  beforeAll(async () => {
    s = await startE2e({ tokenLabel: 'e2e-nss-source' });
    // The NSS database gets its user PIN here; the bridge's service opens it by URI.
    const db = await openNss();
    await db.provider.close();
    const pinFile = join(s.workspace, 'nss-pin');
    writeFileSync(pinFile, NSS_USER_PIN, { mode: 0o600 });
    nssUri = `${db.uri}&pin-source=file:${pinFile}`;
    app = await s.openPage();
    page = app.page;
    await page.setViewportSize({ width: 1440, height: 900 });
    // Setup, not under test: the keys to move, made through the same window.olocus.
    for (const [label, type] of [
      ['e2e-nss-rsa', 'rsa-2048'],
      ['e2e-nss-aes', 'aes-256'],
    ] as const) {
      const made = await page.evaluate(
        (r) => window.olocus.generateKey({ ...r, extractable: true }),
        { hsmUri: s.hsmUri, label, type },
      );
      expect(made.ok, JSON.stringify(made)).toBe(true);
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  it("an RSA key: matching fingerprints, a verified signature, and each side's mechanism number", async () => {
    await transfer('e2e-nss-rsa', 'private');
    expect(await fact('Source wraps with')).toBe(
      'CKM_AES_KEY_WRAP_PAD 0x210A · confirmed by a known-answer test on the token',
    );
    expect(await fact('Target unwraps with')).toBe(
      'CKM_AES_KEY_WRAP_KWP 0x210B · the token lists the standard number',
    );
    expect(await fact('Target')).toMatch(/^token "NSS Certificate DB"/);
    expect(await fact('Proof')).toBe('spki+signature · signature verified');
    const hexes = await page.locator('.fingerprint .fp-hex').allTextContents();
    expect(hexes).toHaveLength(2);
    expect(hexes[0]).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    expect(hexes[1]).toBe(hexes[0]);
    await page.getByText('The copy is proven to be the same key.').waitFor();
    await screenshot(page, '07-transfer-softhsm-to-nss');
    await expectNoSeriousA11yViolations(page, '07-transfer-softhsm-to-nss');
  });

  it('an AES key: matching KCVs and the same two numbers', async () => {
    await transfer('e2e-nss-aes', 'secret-key');
    expect(await fact('Source wraps with')).toMatch(/^CKM_AES_KEY_WRAP_PAD 0x210A/);
    expect(await fact('Target unwraps with')).toMatch(/^CKM_AES_KEY_WRAP_KWP 0x210B/);
    expect(await fact('Proof')).toBe('kcv · KCV matches');
    const kcvs = await page.locator('.fingerprint .fp-hex').allTextContents();
    expect(kcvs).toHaveLength(2);
    expect(kcvs[1]).toBe(kcvs[0]);
    app.watch.expectClean();
  });
});
