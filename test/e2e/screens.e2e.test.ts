// The wizard's screens beyond the happy path, in headless Chromium over the bridge on a fresh
// SoftHSM: keyboard use, a script with mistakes (each at its line and column), dark theme and
// large type for a projector, shares entered from a QR photo and from a file, a card sealed
// with a passphrase (a wrong one refused by name), cancelling a run and resuming it from Home,
// and the attestation and transfer screens with a real key. Every screen state is photographed
// and checked with axe.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli';
import { SOFTHSM_MODULE, createToken } from '../helpers/softhsm';
import { expectNoSeriousA11yViolations, screenshot, startE2e } from './harness/index';
import type { E2eSession, OpenedPage } from './harness/index';
import { cardOf, cardPhoto, cardText } from './wizard/cards';

let s: E2eSession;
let app: OpenedPage;
let page: Page;
let scriptPath: string;
let runDir: string;
const PASSPHRASE = 'correct horse battery staple';
const EVERYONE = [
  'Ada Administrator',
  'Alice Archer',
  'Bob Baker',
  'Carol Chen',
  'Dave Diaz',
  'Erin Evans',
  'Walter Witness',
  'Audrey Auditor',
];

function heading(name: string | RegExp): Locator {
  return page.getByRole('heading', { level: 1, name });
}

async function photograph(name: string): Promise<void> {
  await screenshot(page, name);
  await expectNoSeriousA11yViolations(page, name);
}

async function nav(title: string | RegExp): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: title }).click();
  await heading(title).waitFor();
}

async function reviewAndStart(script: string, dir: string): Promise<void> {
  await nav('Home');
  await page.getByLabel('Ceremony script (YAML path)').fill(script);
  await page.getByLabel(/^Run directory/).fill(dir);
  await page.getByRole('button', { name: 'Review script' }).click();
  await page.getByRole('button', { name: 'Continue to HSM' }).click();
  await page.getByRole('button', { name: 'Continue to participants' }).click();
  for (const name of EVERYONE) await page.getByLabel(name, { exact: true }).check();
  await page.getByRole('button', { name: 'Start the ceremony' }).click();
}

/** Answers card printing (no passphrase) and witness questions until a share is asked for. */
async function untilShareAsked(): Promise<void> {
  const seal = page.getByRole('button', { name: 'Print without a passphrase' });
  const witness = page.getByRole('button', { name: 'Sign off as Walter Witness' });
  const present = page.getByRole('button', { name: 'Present share' });
  for (let i = 0; i < 20; i++) {
    await seal.or(witness).or(present).first().waitFor({ timeout: 60_000 });
    if (await present.count()) return;
    if (await seal.count()) await seal.click();
    else await witness.click();
    await page.waitForTimeout(100);
  }
  throw new Error('No share was asked for.');
}

function progressText(): Promise<string | null> {
  return page.locator('.big-progress').textContent();
}

let targetUri: string;

beforeAll(async () => {
  // A second token for the transfer screen, made before anything opens the module.
  const target = createToken('e2e-target', '778899');
  s = await startE2e({ tokenLabel: 'e2e-screens', runs: { ledgerPollMs: 50 } });
  process.env.OLOCUS_WORKSPACE = s.workspace;
  scriptPath = join(s.workspace, 'root-ca.yaml');
  writeFileSync(
    scriptPath,
    readFileSync(join(ROOT, 'resources/ceremonies/root-ca.yaml'), 'utf8').replace(
      /module-path=[^'"]+/,
      `module-path=${SOFTHSM_MODULE}`,
    ),
  );
  runDir = join(s.workspace, 'run-cancelled-then-resumed');
  const targetPin = join(s.workspace, 'target-pin');
  writeFileSync(targetPin, target.userPin, { mode: 0o600 });
  targetUri = `pkcs11:token=${target.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${targetPin}`;
  app = await s.openPage();
  page = app.page;
  await page.setViewportSize({ width: 1440, height: 900 });
  await heading('Home').waitFor();
});

afterAll(async () => {
  await s?.close();
});

describe('keyboard', () => {
  it('starts at a skip link, reaches every screen with Tab and Enter, and shows where focus is', async () => {
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent);
    expect(first).toBe('Skip to the screen');
    // Tab on to the screen list; Enter opens a screen and its heading takes focus.
    let found = false;
    for (let i = 0; i < 20 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await page.evaluate(() => document.activeElement?.textContent)) === '4Participants';
    }
    expect(found, 'the Participants entry is reachable by Tab').toBe(true);
    const ring = await page.evaluate(() => {
      const st = getComputedStyle(document.activeElement as Element);
      return { style: st.outlineStyle, width: st.outlineWidth };
    });
    expect(ring).toEqual({ style: 'solid', width: '3px' });
    await page.keyboard.press('Enter');
    await heading('Participants').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('screen-title');
    expect(await page.getByText('Review a script first').count()).toBe(1);
  });
});

describe('script review', () => {
  it('names the problem of a script at its line and column, and nothing can start', async () => {
    const good = readFileSync(scriptPath, 'utf8');
    const cases = [
      {
        file: 'bad-step.yaml',
        text: good.replace('type: witness.checkpoint', 'type: witness.dance'),
        needle: 'witness.dance',
        says: /unknown step type "witness.dance"/,
      },
      {
        file: 'bad-quorum.yaml',
        text: good.replace('threshold: 3', 'threshold: 6'),
        needle: 'threshold: 6',
        says: /M \(6\) is larger than N \(5 officers\)/,
      },
    ];
    for (const c of cases) {
      const path = join(s.workspace, c.file);
      writeFileSync(path, c.text);
      const line = c.text.split('\n').findIndex((l) => l.includes(c.needle)) + 1;
      await nav('Home');
      await page.getByLabel('Ceremony script (YAML path)').fill(path);
      await page.getByRole('button', { name: 'Review script' }).click();
      await heading('Script review').waitFor();
      const problem = page.locator('ol.issues > li').first();
      await problem.waitFor();
      const text = (await problem.textContent()) ?? '';
      expect(text).toMatch(new RegExp(`^line ${line}, column \\d+`));
      expect(text).toMatch(c.says);
      if (c.file === 'bad-step.yaml') await photograph('02-script-review-errors');
    }
    await nav('Participants');
    expect(await page.getByText('Review a script first').count()).toBe(1);

    await nav('Home');
    await page.getByLabel('Ceremony script (YAML path)').fill(join(s.workspace, 'missing.yaml'));
    await page.getByRole('button', { name: 'Review script' }).click();
    await heading('Script review').waitFor();
    expect(await page.locator('ol.issues').textContent()).toContain('missing.yaml');
  });
});

describe('display for a projector', () => {
  it('switches to the dark theme and large type, remembers only those two settings', async () => {
    await nav('Home');
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByLabel('Large type').check();
    const look = await page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      size: getComputedStyle(document.documentElement).fontSize,
      bg: getComputedStyle(document.body).backgroundColor,
      stored: Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)]),
    }));
    expect(look.theme).toBe('dark');
    expect(look.size).toBe('22px');
    const [r, g, b] = (look.bg.match(/\d+/g) ?? []).map(Number);
    expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(120);
    expect(look.stored).toEqual([['olocus.settings', '{"theme":"dark","largeType":true}']]);
    await photograph('11-home-dark-large');
    await page.getByLabel('Theme').selectOption('light');
    await page.getByLabel('Large type').uncheck();
  });
});

describe('a run with sealed cards, QR and file entry, cancelled and resumed', () => {
  it('refuses to start in a directory that holds other files, and touches none of them', async () => {
    const crowded = join(s.workspace, 'crowded');
    mkdirSync(crowded);
    writeFileSync(join(crowded, 'notes.txt'), 'not a ceremony');
    await reviewAndStart(scriptPath, crowded);
    const stopped = page.getByRole('alert').filter({ hasText: 'The run stopped' });
    await stopped.waitFor({ timeout: 30_000 });
    expect(await stopped.textContent()).toContain(
      `${crowded} is not empty and holds no ceremony run; choose an empty or new directory.`,
    );
    expect(await page.locator('.run-state .badge-failed').count()).toBe(1);
    expect(readdirSync(crowded)).toEqual(['notes.txt']);
    await photograph('06-key-generation-refused-start');
  });

  it('seals Alice’s card with her passphrase (a mismatch is caught before anything is sent)', async () => {
    await reviewAndStart(scriptPath, runDir);
    const sealBtn = page.getByRole('button', { name: 'Seal the card' });
    await sealBtn.waitFor({ timeout: 60_000 });
    expect(await page.locator('#passphrase').textContent()).toBe(
      "Alice Archer's card is being printed",
    );
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(`${PASSPHRASE}!`);
    await sealBtn.click();
    await page.getByText('The two passphrases differ; type them again.').waitFor();
    // Both fields were emptied, and the question is still Alice's.
    expect(await page.getByLabel('Passphrase', { exact: true }).inputValue()).toBe('');
    expect(await page.locator('#passphrase').textContent()).toContain('Alice Archer');
    await photograph('05-quorum-seal-mismatch');
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(PASSPHRASE);
    await sealBtn.click();
    await page.locator('#passphrase', { hasText: 'Bob Baker' }).waitFor({ timeout: 30_000 });
  });

  it('reads Alice’s sealed card from a photo, refuses a wrong passphrase by name, accepts the right one', async () => {
    await untilShareAsked();
    const photo = cardPhoto(cardOf(runDir, 'Alice Archer'), s.workspace, 'alice-card');
    const presentByQr = async (passphrase: string) => {
      await page.getByLabel('Custodian presenting').selectOption('Alice Archer');
      await page.getByLabel('Read a QR image').check();
      await page.getByLabel('Photo or scan of the card (image)').setInputFiles(photo);
      await page.getByRole('button', { name: 'Present share' }).click();
      await page
        .getByRole('heading', { name: "Alice Archer's card is sealed with a passphrase" })
        .waitFor({ timeout: 30_000 });
      await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
      await page.getByRole('button', { name: 'Unseal' }).click();
    };
    await presentByQr('not her passphrase');
    const refusal = page.getByRole('alert').filter({ hasText: 'Share refused' });
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toContain(
      "The passphrase for Alice Archer's share is wrong.",
    );
    expect(await progressText()).toContain('0 of 3');
    await photograph('05-quorum-wrong-passphrase');

    await presentByQr(PASSPHRASE);
    await expect.poll(progressText, { timeout: 30_000 }).toContain('1 of 3');
  });

  it('takes Bob’s share from a text file, then shows 2 of 3', async () => {
    const file = join(s.workspace, 'bob.txt');
    writeFileSync(file, cardText(join(runDir, 'shares/bob-baker.pdf')));
    await page.getByLabel('Custodian presenting').selectOption('Bob Baker');
    await page.getByLabel('Load a file').check();
    await page.getByLabel('Share text file').setInputFiles(file);
    await page.getByRole('button', { name: 'Present share' }).click();
    await expect.poll(progressText, { timeout: 30_000 }).toContain('2 of 3');
    expect(await page.locator('.custodians .done').allTextContents()).toEqual([
      expect.stringContaining('Alice Archer'),
      expect.stringContaining('Bob Baker'),
    ]);
    await photograph('05-quorum-two-of-three');
    await page.getByLabel('Large type').check();
    await photograph('05-quorum-large-type');
    await page.getByLabel('Large type').uncheck();
  });

  it('cancels the run from the key generation screen; Home lists it as unfinished', async () => {
    await nav(/Key generation/);
    await page.getByRole('button', { name: 'Cancel the run' }).click();
    await page.locator('.run-state .badge-cancelled').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('alert').textContent()).toContain('cancelled');
    await photograph('06-key-generation-cancelled');
    await nav('Home');
    const resume = page.getByRole('button', { name: `Resume ${runDir}` });
    await resume.waitFor();
    await photograph('01-home-unfinished');
  });

  it('resumes it: a new quorum (typed), the key, the backup, and a ledger that verifies', async () => {
    await page.getByRole('button', { name: `Resume ${runDir}` }).click();
    await heading('Script review').waitFor();
    expect(await page.getByText(join(runDir, 'script.yaml')).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Continue to HSM' }).click();
    await page.getByRole('button', { name: 'Continue to participants' }).click();
    for (const name of EVERYONE) await page.getByLabel(name, { exact: true }).check();
    await page.getByRole('button', { name: 'Start the ceremony' }).click();

    await untilShareAsked();
    expect(await progressText()).toContain('0 of 3');
    for (const who of ['Carol Chen', 'Dave Diaz', 'Erin Evans']) {
      await page.getByLabel('Custodian presenting').selectOption(who);
      await page.getByLabel(/^Share text/).fill(cardText(cardOf(runDir, who)));
      await page.getByRole('button', { name: 'Present share' }).click();
      await page
        .getByLabel(/^Share text/)
        .waitFor({ state: 'detached', timeout: 30_000 })
        .catch(() => undefined);
      if (who !== 'Erin Evans') await untilShareAsked();
    }
    const seal = page.getByRole('button', { name: 'Print without a passphrase' });
    const witness = page.getByRole('button', { name: 'Sign off as Walter Witness' });
    const finished = page.locator('.run-state .badge-finished');
    let declined = false;
    for (let i = 0; i < 30 && !(await finished.count()); i++) {
      await seal.or(witness).or(finished).first().waitFor({ timeout: 90_000 });
      if (await seal.count()) await seal.click();
      else if (await witness.count()) {
        if (!declined) {
          // "No witness signs" stops the step, so it asks again; "Keep waiting" keeps the question.
          await page.getByRole('button', { name: 'No witness signs' }).click();
          await page.getByRole('button', { name: 'Yes: no witness signs this step' }).waitFor();
          await photograph('10-audit-decline-confirm');
          await page.getByRole('button', { name: 'Keep waiting' }).click();
          expect(await witness.count()).toBe(1);
          declined = true;
        }
        await witness.click();
      }
      await page.waitForTimeout(100);
    }
    await heading('Report').waitFor();
    const ledger = readFileSync(join(runDir, 'audit.jsonl'), 'utf8');
    expect(ledger).toContain('"type":"ceremony.resumed"');
    expect(ledger).toMatch(/"type":"share\.refused"/);
    const v = await runCli(['verify-audit', join(runDir, 'audit.jsonl')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

describe('attestation and transfer', () => {
  const keyUri = (label: string) =>
    s.hsmUri.replace('pkcs11:token=', `pkcs11:object=${label};type=private;token=`);

  beforeAll(async () => {
    // Setup, not under test: two keys on the harness token, made through the same window.olocus.
    for (const [label, extractable] of [
      ['e2e-attested', false],
      ['e2e-movable', true],
    ] as const) {
      const made = await page.evaluate(
        (r) =>
          window.olocus.generateKey({
            hsmUri: r.hsmUri,
            type: 'ec-p256',
            label: r.label,
            extractable: r.extractable,
          }),
        { hsmUri: s.hsmUri, label, extractable },
      );
      expect(made.ok, JSON.stringify(made)).toBe(true);
    }
  });

  it('shows the provenance verdict of a key generated in the HSM as a table of checks', async () => {
    await nav('Attestation');
    await page.getByLabel('Key URI').fill(keyUri('e2e-attested'));
    await page.getByRole('button', { name: 'Attest', exact: true }).click();
    await page.getByRole('heading', { name: /^Verdict:/ }).waitFor({ timeout: 30_000 });
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await page.locator('table').textContent()).toMatch(/pass/);
    await photograph('08-attestation-verdict');
  });

  it('moves an extractable key to the other token and shows both fingerprints matching', async () => {
    await nav('Transfer');
    await page.getByLabel(/^Source key/).fill(keyUri('e2e-movable'));
    await page.getByLabel(/^Target token/).fill(targetUri);
    await page.getByRole('button', { name: 'Transfer and verify' }).click();
    await page.getByRole('heading', { name: 'Result: e2e-movable' }).waitFor({ timeout: 60_000 });
    const hexes = await page.locator('.fingerprint .fp-hex').allTextContents();
    expect(hexes).toHaveLength(2);
    expect(hexes[0]).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    expect(hexes[1]).toBe(hexes[0]);
    await page.getByText('The copy is proven to be the same key.').waitFor();
    await photograph('07-transfer-result');
  });

  it('refuses to transfer a key that may not leave its HSM, and says why', async () => {
    await page.getByLabel(/^Source key/).fill(keyUri('e2e-attested'));
    await page.getByRole('button', { name: 'Transfer and verify' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Transfer refused' });
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toMatch(/Error 106/);
    expect(await refusal.textContent()).toMatch(/not extractable/);
    await photograph('07-transfer-refused');
    app.watch.expectClean();
  });
});

describe('a ledger longer than a page', () => {
  it('opened from Home, the timeline shows its newest records', async () => {
    const dir = join(s.workspace, 'long-ledger');
    mkdirSync(dir);
    const lines = Array.from({ length: 1500 }, (_, seq) =>
      JSON.stringify({
        seq,
        time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
        actor: 'Ada Administrator',
        step: null,
        type: 'custom.event',
        data: { n: seq },
        hash: seq.toString(16).padStart(64, '0'),
        prev: (seq - 1).toString(16).padStart(64, '0'),
      }),
    );
    writeFileSync(join(dir, 'audit.jsonl'), `${lines.join('\n')}\n`);
    await nav('Home');
    const row = page.getByRole('row').filter({ hasText: dir });
    await row.getByRole('button', { name: /^Open/ }).click();
    await heading('Audit timeline').waitFor();
    await page.getByRole('heading', { name: 'Ledger (1500 records)' }).waitFor();
    const rows = page.locator('table.timeline tbody tr');
    await rows.last().locator('td').first().getByText('1499', { exact: true }).waitFor();
    expect(await rows.count()).toBe(200);
    expect(await rows.first().locator('td').first().textContent()).toBe('1300');
    await page.getByText(/^Showing the newest 200/).waitFor();
  });
});
