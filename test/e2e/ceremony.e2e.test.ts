// The bundled 3-of-5 root-key ceremony driven entirely through the wizard in headless Chromium,
// against a real CeremonyService on a fresh SoftHSM token store: script review, attendance,
// cards printed, shares typed from the printed cards (one with a typo, refused naming its
// custodian), key generation, backup, witness sign-offs, the signed report. Every screen is
// photographed into test-results/ and checked with axe; the ledger must then pass verify-audit.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli';
import { SOFTHSM_MODULE } from '../helpers/softhsm';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession, OpenedPage } from './harness/index';
import { cardText, withTypo } from './wizard/cards';

let s: E2eSession;
let app: OpenedPage;
let page: Page;
let scriptPath: string;
let runDir: string;

const shots: string[] = [];
async function photograph(name: string): Promise<void> {
  shots.push(await screenshot(page, name));
  await expectNoSeriousA11yViolations(page, name);
}

function heading(name: string | RegExp): Locator {
  return page.getByRole('heading', { level: 1, name });
}

beforeAll(async () => {
  s = await startE2e({ tokenLabel: 'e2e-ceremony', runs: { ledgerPollMs: 50 } });
  process.env.OLOCUS_WORKSPACE = s.workspace; // Home lists runs here, not in the user's home
  // The bundled script, pointed at this machine's SoftHSM module (the store is the harness's).
  scriptPath = join(s.workspace, 'root-ca.yaml');
  writeFileSync(
    scriptPath,
    readFileSync(join(ROOT, 'resources/ceremonies/root-ca.yaml'), 'utf8').replace(
      /module-path=[^'"]+/,
      `module-path=${SOFTHSM_MODULE}`,
    ),
  );
  runDir = join(s.workspace, 'run-root-ca');
  app = await s.openPage();
  page = app.page;
  await page.setViewportSize({ width: 1440, height: 900 });
});

afterAll(async () => {
  await s?.close();
});

describe('the bundled 3-of-5 root key ceremony through the wizard', () => {
  it('reviews the script, checks attendance and starts the run', async () => {
    await heading('Home').waitFor();
    await photograph('01-home');

    await page.getByLabel('Ceremony script (YAML path)').fill(scriptPath);
    await page.getByLabel(/^Run directory/).fill(runDir);
    await page.getByRole('button', { name: 'Review script' }).click();

    await heading('Script review').waitFor();
    await expect
      .poll(() =>
        page.getByRole('heading', { name: 'Olocus Example Root CA key ceremony' }).count(),
      )
      .toBe(1);
    const steps = page.locator('ol.steps > li');
    expect(await steps.count()).toBe(5);
    expect(await steps.nth(1).textContent()).toContain('Generate the root CA key');
    await expect.poll(() => page.getByText('3 of 5', { exact: false }).count()).toBeGreaterThan(0);
    await photograph('02-script-review');

    await page.getByRole('button', { name: 'Continue to HSM' }).click();
    await heading('HSM').waitFor();
    // The harness's token is in the module; the ceremony's own token does not exist yet.
    await page.getByRole('cell', { name: 'e2e-ceremony' }).waitFor({ timeout: 30_000 });
    await photograph('03-hsm');

    await page.getByRole('button', { name: 'Continue to participants' }).click();
    await heading('Participants').waitFor();
    const start = page.getByRole('button', { name: 'Start the ceremony' });
    const people = [
      'Ada Administrator',
      'Alice Archer',
      'Bob Baker',
      'Carol Chen',
      'Dave Diaz',
      'Erin Evans',
      'Walter Witness',
      'Audrey Auditor',
    ];
    // Ticked by keyboard, as the administrator does on the projector; the start waits for all.
    for (const [i, name] of people.entries()) {
      expect(await start.isDisabled(), `start before ${name} is ticked`).toBe(true);
      await page.getByLabel(name, { exact: true }).focus();
      await page.keyboard.press('Space');
      if (i === 3) await photograph('04-participants-partial');
    }
    await page.getByText('Everyone named in the script is present.').waitFor();
    expect(await start.isEnabled()).toBe(true);
    await photograph('04-participants');
    await start.click();
  });

  it('prints the cards, takes the shares from them (a mistyped one refused by name), signs every step off, and ends with the report', async () => {
    const plan = { refusedSeen: false, twoOfThreeSeen: false, sealShots: 0, witnessShots: 0 };
    const toPresent: { who: string; typo?: true; text: () => string }[] = [
      { who: 'Alice Archer', text: () => cardText(join(runDir, 'shares/alice-archer.pdf')) },
      {
        who: 'Bob Baker',
        typo: true,
        text: () => withTypo(cardText(join(runDir, 'shares/bob-baker.pdf'))),
      },
      { who: 'Bob Baker', text: () => cardText(join(runDir, 'shares/bob-baker.pdf')) },
      { who: 'Carol Chen', text: () => cardText(join(runDir, 'shares/carol-chen.pdf')) },
    ];
    const seal = page.getByRole('button', { name: 'Print without a passphrase' });
    const present = page.getByRole('button', { name: 'Present share' });
    const witness = page.getByRole('button', { name: 'Sign off as Walter Witness' });
    const finished = page.locator('.run-state .badge-finished');
    const failed = page.locator('.run-state .badge-failed, .run-state .badge-cancelled');
    const anything = seal.or(present).or(witness).or(finished).or(failed);
    const witnessed: string[] = [];

    for (let turn = 0; turn < 60; turn++) {
      await anything.first().waitFor({ timeout: 90_000 });
      if (await failed.count()) {
        throw new Error(`The run stopped: ${await page.locator('.note-error').allTextContents()}`);
      }
      if (await finished.count()) break;

      if (await seal.count()) {
        await heading('Quorum').waitFor();
        const who = await page.locator('#passphrase').textContent();
        if (plan.sealShots++ === 0) await photograph('05-quorum-card-printing');
        expect(who).toMatch(
          /^(Alice Archer|Bob Baker|Carol Chen|Dave Diaz|Erin Evans)'s card is being printed$/,
        );
        await seal.click();
        await seal.waitFor({ state: 'detached' }).catch(() => undefined);
        continue;
      }

      if (await witness.count()) {
        await heading('Audit timeline').waitFor();
        const title = (await page.locator('.witness h3').first().textContent()) ?? '';
        witnessed.push(title);
        if (plan.witnessShots++ === 0) await photograph('10-audit-witness-signoff');
        await witness.first().click();
        await page.locator('.witness h3', { hasText: title }).waitFor({ state: 'detached' });
        continue;
      }

      // A share is asked for.
      await heading('Quorum').waitFor();
      const next = toPresent.shift();
      if (!next) throw new Error('The run asked for more shares than a 3-of-5 quorum needs.');
      const progress = (await page.locator('.big-progress').textContent()) ?? '';
      if (/2 of 3/.test(progress)) plan.twoOfThreeSeen = true;
      await page.getByLabel('Custodian presenting').selectOption(next.who);
      await page.getByText(`${next.who} presents their share.`).waitFor();
      const text = next.text();
      const box = page.getByLabel(/^Share text/);
      if (toPresent.length === 3) await photograph('05-quorum-share-entry');
      await box.click();
      await box.fill(text);
      await present.click();
      // The field is emptied at once, and the share is nowhere in the page.
      expect(await box.inputValue().catch(() => '')).toBe('');
      expect(await page.content()).not.toContain(text.split('\n')[0]!.slice(0, 14));

      if (next.typo) {
        // The typo: refused, naming Bob, before any PIN attempt; Alice's share still counts.
        const refusal = page.getByRole('alert').filter({ hasText: 'Share refused' });
        await refusal.waitFor({ timeout: 30_000 });
        expect(await refusal.textContent()).toMatch(
          /Bob Baker's share was refused: Line 1 of the share does not match its check characters/,
        );
        expect(await page.locator('.big-progress').textContent()).toContain('1 of 3');
        plan.refusedSeen = true;
        await photograph('05-quorum-refused');
      }
    }

    expect(await finished.count(), 'the run finished').toBe(1);
    expect(plan.refusedSeen, 'the mistyped share was refused on screen').toBe(true);
    expect(plan.twoOfThreeSeen, '"2 of 3" was shown').toBe(true);
    expect(toPresent).toEqual([]);
    expect(plan.sealShots, 'one card-printing question per officer per split secret').toBe(10);
    expect(witnessed).toHaveLength(4);
  });

  it('shows the report with the evidence bundle, and the report, bundle and ledger verify from the screen', async () => {
    await heading('Report').waitFor();
    expect(await page.getByText(join(runDir, 'report.pdf'), { exact: true }).count()).toBe(1);
    await photograph('09-report');
    await page.getByRole('button', { name: 'Verify the report' }).click();
    await page.getByText('Report: verifies').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Verify the evidence bundle' }).click();
    await page.getByText('Evidence bundle: verifies').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Verify the audit ledger' }).click();
    await page
      .getByText(/Audit ledger \(\d+ records, \d+ signatures\): verifies/)
      .waitFor({ timeout: 60_000 });
    // The verdict says what it proves: complete, and the key pinned by the run's signed report.
    await page.getByText(/^The ledger is complete: it ends with ceremony\.finished/).waitFor();
    await page
      .getByText(/^Pinned by the run’s signed report\.pdf: its signature chains to root/)
      .waitFor();
    await photograph('09-report-verified');
    // A browser tab has no desktop to open the PDF on: the status region says where it is.
    const report = join(runDir, 'report.pdf');
    await page.getByRole('button', { name: 'Open the report' }).click();
    await page
      .getByRole('status', { name: 'Opening the report' })
      .getByText(`Open ${report} from the run folder: the browser bridge cannot open files.`, {
        exact: true,
      })
      .waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('shows the root key fingerprint as hex and PGP words, and the ten cards with their paths', async () => {
    await page
      .getByRole('navigation')
      .getByRole('button', { name: /Key generation/ })
      .click();
    await heading('Key generation & backup').waitFor();
    const fp = page.locator('.fingerprint', { hasText: 'root-ca-2026' });
    await fp.waitFor();
    expect(await fp.locator('.fp-hex').textContent()).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    expect((await fp.locator('.fp-words').textContent())?.split(' ')).toHaveLength(32);
    const cards = page.locator('table').last().locator('tbody tr');
    expect(await cards.count()).toBe(10);
    expect(await cards.first().textContent()).toContain(join(runDir, 'shares/alice-archer.pdf'));
    const pdfs = readdirSync(join(runDir, 'shares')).filter((f) => f.endsWith('.pdf'));
    expect(pdfs).toHaveLength(10);
    await photograph('06-key-generation');
    const alice = join(runDir, 'shares/alice-archer.pdf');
    await cards
      .first()
      .getByRole('button', { name: /^Open the card of Alice Archer/ })
      .click();
    await page
      .getByRole('status', { name: 'Opening a card' })
      .getByText(`Open ${alice} from the run folder: the browser bridge cannot open files.`, {
        exact: true,
      })
      .waitFor();
  });

  it('shows the live ledger on the timeline and verifies it there', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Audit timeline' }).click();
    await heading('Audit timeline').waitFor();
    const rows = page.locator('table.timeline tbody tr');
    const lines = readFileSync(join(runDir, 'audit.jsonl'), 'utf8').trim().split('\n').length;
    expect(await rows.count()).toBe(Math.min(lines, 200));
    expect(await page.locator('table.timeline').textContent()).toContain('share.refused');
    await page.getByRole('button', { name: 'Verify the audit ledger' }).click();
    await page.getByText('The ledger verifies').waitFor({ timeout: 60_000 });
    await page.getByTestId('audit-anchor').waitFor();
    await photograph('10-audit-timeline');
  });

  it('passes verify-audit on the command line, and the ledger names the refused custodian', async () => {
    const v = await runCli(['verify-audit', join(runDir, 'audit.jsonl')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('The ledger verifies');
    const ledger = readFileSync(join(runDir, 'audit.jsonl'), 'utf8');
    expect(ledger).toMatch(/"custodian":"Bob Baker".*"type":"share\.refused"/);
    expect(ledger.match(/"type":"witness\.signed"/g)).toHaveLength(4);
    app.watch.expectClean();
  });

  it('lists the run on Home as finished, with its directory', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Home' }).click();
    await heading('Home').waitFor();
    const row = page.getByRole('row').filter({ hasText: runDir });
    await row.waitFor();
    expect(await row.textContent()).toContain('finished');
    expect(await row.textContent()).toContain('Olocus Example Root CA key ceremony');
    await photograph('01-home-after-run');
    // Opened later from Home, the run's timeline comes from the file, with each record's summary.
    await row.getByRole('button', { name: /^Open/ }).click();
    await heading('Report').waitFor();
    expect(await page.getByText(join(runDir, 'report.pdf'), { exact: true }).count()).toBe(1);
    await page.getByRole('navigation').getByRole('button', { name: 'Audit timeline' }).click();
    const refused = page.locator('table.timeline tr', { hasText: 'share.refused' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Bob Baker');
  });

  it('has photographed every screen', async () => {
    for (const [name, title] of [
      ['07-transfer', 'Transfer'],
      ['08-attestation', 'Attestation'],
    ] as const) {
      await page.getByRole('navigation').getByRole('button', { name: title }).click();
      await heading(title).waitFor();
      await photograph(name);
    }
    expect(shots.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining([
        '01-home.png',
        '02-script-review.png',
        '03-hsm.png',
        '04-participants.png',
        '05-quorum-share-entry.png',
        '05-quorum-refused.png',
        '06-key-generation.png',
        '07-transfer.png',
        '08-attestation.png',
        '09-report.png',
        '10-audit-timeline.png',
      ]),
    );
  });
});
