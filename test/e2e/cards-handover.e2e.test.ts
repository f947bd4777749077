// The print-and-destroy dialog through the wizard, in headless Chromium over the bridge on a
// real SoftHSM: a run whose script lacks keep_cards reaches its end, each card is printed
// through the same outlet `ceremony cards print` uses (lp, here a loopback printer that spools
// to a folder), a confirmation by the wrong person is refused and keeps the file, the right
// custodian confirms, and the cards are gone from disk with their digests and destruction in
// the ledger, which verifies.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

/** What an officer types from the card (as wizard/cards.ts, a last line may be one short group). */
function cardText(pdf: string): string {
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*\d+\s+([A-Z2-7]{1,4}(?:-[A-Z2-7]{1,4})*)\s+([A-Z2-7]{2})\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}  ${m[2]}`)
    .join('\n');
}
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession } from './harness/index';

let s: E2eSession;
let page: Page;
let scriptPath: string;
let runDir: string;
let spool: string;
const PATH_BEFORE = process.env.PATH;
const OFFICERS = ['Alice Archer', 'Bob Baker', 'Carol Chen'];

async function photograph(name: string): Promise<void> {
  await screenshot(page, name);
  await expectNoSeriousA11yViolations(page, name);
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  s = await startE2e({ tokenLabel: 'e2e-cards', runs: { ledgerPollMs: 50 } });
  process.env.OLOCUS_WORKSPACE = s.workspace;
  // A printer for lp: it spools each job's file into a folder and answers as CUPS's lp does.
  const bin = join(s.workspace, 'bin');
  spool = join(s.workspace, 'spool');
  mkdirSync(bin);
  mkdirSync(spool);
  writeFileSync(
    join(bin, 'lp'),
    `#!/bin/sh\n[ "$1" = "--" ] && shift\nn=$(ls "${spool}" | wc -l)\ncp "$1" "${spool}/job-$n.pdf" || exit 1\necho "request id is olocus-test-$n (1 file(s))"\n`,
  );
  chmodSync(join(bin, 'lp'), 0o755);
  process.env.PATH = `${bin}:${PATH_BEFORE ?? ''}`;
  scriptPath = join(s.workspace, 'cards.yaml');
  writeFileSync(
    scriptPath,
    `version: 1
ceremony: { id: e2e-cards-run, name: Cards hand-over, location: Lab }
hsm: { uri: 'pkcs11:token=e2e-cards-run?module-path=${SOFTHSM_MODULE}' }
roles:
  administrator: Ada Administrator
  officers: [${OFFICERS.join(', ')}]
quorum: { threshold: 2 }
steps:
  - { id: init, type: token.initialize }
`,
  );
  runDir = join(s.workspace, 'run-cards');
  page = (await s.openPage()).page;
  await page.setViewportSize({ width: 1280, height: 860 });
});

afterAll(async () => {
  process.env.PATH = PATH_BEFORE;
  await s?.close();
});

describe('share cards handed over and destroyed in the wizard', () => {
  it('prints each card, refuses a stranger’s confirmation, destroys on the custodian’s', async () => {
    await page.getByLabel('Ceremony script (YAML path)').fill(scriptPath);
    await page.getByLabel(/^Run directory/).fill(runDir);
    await page.getByRole('button', { name: 'Review script' }).click();
    await page.getByRole('button', { name: 'Continue to HSM' }).click();
    await page.getByRole('button', { name: 'Continue to participants' }).click();
    for (const name of ['Ada Administrator', ...OFFICERS])
      await page.getByLabel(name, { exact: true }).check();
    await page.getByRole('button', { name: 'Start the ceremony' }).click();

    const seal = page.getByRole('button', { name: 'Print without a passphrase' });
    const present = page.getByRole('button', { name: 'Present share' });
    const toPresent = ['Alice Archer', 'Bob Baker'];
    const slug = (who: string) => `${who.toLowerCase().replace(' ', '-')}.pdf`;
    const dialog = page.getByRole('dialog', { name: /share card/ });
    const failed = page.locator('.run-state .badge-failed, .run-state .badge-cancelled');
    // Each officer's card is sealed (or not) as it is made; then the hand-over dialog opens.
    for (let turn = 0; turn < 12; turn++) {
      await seal.or(present).or(dialog).or(failed).first().waitFor({ timeout: 90_000 });
      if (await failed.count())
        throw new Error(`The run stopped: ${await page.locator('.note-error').allTextContents()}`);
      if (await dialog.count()) break;
      if (await present.count()) {
        // The key is made under a 2-of-3 login: two officers type their shares from the cards.
        const who = toPresent.shift()!;
        await page.getByLabel('Custodian presenting').selectOption(who);
        await page.getByText(`${who} presents their share.`).waitFor();
        await page.getByLabel(/^Share text/).fill(cardText(join(runDir, 'shares', slug(who))));
        await present.click();
        // Until the wizard shows it counted (or the quorum is met and the question closes).
        const counted = page.locator('.big-progress', { hasText: `${2 - toPresent.length} of 2` });
        await counted
          .or(seal)
          .or(dialog)
          .first()
          .waitFor({ timeout: 60_000 })
          .catch(async (e: unknown) => {
            throw new Error(`${String(e)}: ${await page.locator('main').innerText()}`);
          });
        if (toPresent.length === 0) await present.waitFor({ state: 'detached', timeout: 60_000 });
        continue;
      }
      await seal.click();
      await seal.waitFor({ state: 'detached' }).catch(() => undefined);
    }
    await dialog.waitFor();
    const cards = readdirSync(join(runDir, 'shares')).sort();
    expect(cards).toEqual(['alice-archer.pdf', 'bob-baker.pdf', 'carol-chen.pdf']);
    const digests = cards.map((c) => sha(readFileSync(join(runDir, 'shares', c))));
    // The officers hold their printed cards: the run logs in with two of them to sign its end.
    const held = new Map(OFFICERS.map((o) => [o, cardText(join(runDir, 'shares', slug(o)))]));

    for (const [i, who] of OFFICERS.entries()) {
      await dialog
        .getByRole('heading', { name: `Hand over ${who}'s share card (${i + 1} of 3)` })
        .waitFor({ timeout: 90_000 });
      const confirm = dialog.getByRole('button', { name: 'Confirm receipt and destroy the file' });
      const name = dialog.getByLabel(
        `${who} types their name to confirm they hold the printed card`,
      );
      // Nothing can be confirmed before the card is printed.
      expect(await confirm.isDisabled()).toBe(true);
      if (i === 0) await photograph('cards-01-handover-dialog');
      await dialog.getByRole('button', { name: `Print ${who}'s card` }).click();
      await dialog
        .getByText(/^Printed: lp \(request id is olocus-test-\d+/)
        .waitFor({ timeout: 60_000 });
      if (i === 0) {
        // Someone else types their name: refused by name, and the card stays on disk.
        await name.fill('Bob Baker');
        await confirm.click();
        const refusal = dialog.getByRole('alert').filter({ hasText: 'Receipt not accepted' });
        await refusal.waitFor({ timeout: 60_000 });
        expect(await refusal.textContent()).toContain(
          'Only Alice Archer can confirm receipt of this card; "Bob Baker" is not its custodian, so the file stays.',
        );
        expect(existsSync(join(runDir, 'shares', cards[0]!))).toBe(true);
        await photograph('cards-02-handover-refused');
      }
      await name.fill(who);
      await confirm.click();
    }

    for (const who of ['Alice Archer', 'Bob Baker']) {
      await present.waitFor({ timeout: 60_000 });
      await page.getByLabel('Custodian presenting').selectOption(who);
      await page.getByText(`${who} presents their share.`).waitFor();
      await page.getByLabel(/^Share text/).fill(held.get(who)!);
      await present.click();
      if (who === 'Alice Archer')
        await page.locator('.big-progress', { hasText: '1 of 2' }).waitFor({ timeout: 60_000 });
    }
    await page
      .locator('.run-state .badge-finished')
      .waitFor({ timeout: 120_000 })
      .catch(async (e: unknown) => {
        throw new Error(`${String(e)}: ${await page.locator('body').innerText()}`);
      });
    await photograph('cards-03-finished');
    expect(await dialog.count()).toBe(0);

    // Gone from disk; what was printed is what the run issued, by digest.
    expect(readdirSync(join(runDir, 'shares'))).toEqual([]);
    const printed = readdirSync(spool)
      .sort()
      .map((f) => sha(readFileSync(join(spool, f))));
    expect(printed).toEqual(digests);

    const records = readFileSync(join(runDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    const destroyed = records.filter((r) => r.type === 'card.destroyed');
    expect(destroyed.map((r) => [r.data.card, r.data.sha256, r.data.receipt_confirmed_by])).toEqual(
      cards.map((c, i) => [`shares/${c}`, digests[i], OFFICERS[i]]),
    );
    for (const r of destroyed)
      expect(r.data.printed_via).toMatch(/^lp \(request id is olocus-test-/);
    expect(records.some((r) => r.type === 'cards.kept')).toBe(false);
    expect(
      records.at(-1)?.type === 'ceremony.finished' ||
        records.some((r) => r.type === 'ceremony.finished'),
    ).toBe(true);
    expect((await verifyLedger(join(runDir, 'audit.jsonl'))).ok).toBe(true);
  });
});
