// The browser bridge end to end: a fixture page in headless Chromium reaches a real
// CeremonyService on a fresh SoftHSM token through `window.olocus`, exactly as the renderer
// would in the Electron window. The guard's refusals are in bridge-guard.e2e.test.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/preload/api';
import { BRIDGE_PROTOCOL, BRIDGE_WS_PATH, tokenProtocol } from '../../src/bridge/index';
import { ErrorCode } from '../../src/shared/errors';
import {
  expectNoSeriousA11yViolations,
  screenshot,
  seriousA11yViolations,
  startE2e,
} from './harness/index';
import type { E2eSession, OpenedPage } from './harness/index';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/bridge-page');

let s: E2eSession;
let app: OpenedPage;

beforeAll(async () => {
  s = await startE2e({ rendererDir: FIXTURE, tokenLabel: 'bridge-e2e' });
  app = await s.openPage();
});

afterAll(async () => {
  await s?.close();
});

describe('window.olocus over the bridge', () => {
  it('has exactly the preload’s methods and subscriptions, frozen, and the token is gone from the address', async () => {
    const preloadKeys = Object.keys(
      buildApi({
        invoke: async () => undefined,
        on: () => undefined,
        removeListener: () => undefined,
      }),
    ).sort();
    const seen = await app.page.evaluate(() => ({
      keys: Object.keys(window.olocus).sort(),
      frozen: Object.isFrozen(window.olocus),
      types: [...new Set(Object.values(window.olocus).map((v) => typeof v))],
      hasInvoke: 'invoke' in window.olocus,
      hash: location.hash,
      status: document.getElementById('status')?.textContent,
    }));
    expect(seen.keys).toEqual(preloadKeys);
    expect(seen).toMatchObject({ frozen: true, types: ['function'], hasInvoke: false, hash: '' });
    // The app's module script ran after the bridge client had defined window.olocus.
    expect(seen.status).toBe('bridge present');
    await screenshot(app.page, 'bridge-fixture');
    app.watch.expectClean();
  });

  it('lists the SoftHSM token, with its label, through the real service', async () => {
    const answer = await app.page.evaluate(
      (hsmUri) => window.olocus.tokens({ hsmUri }),
      s.hsmUriNoPin,
    );
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const labels = answer.value.modules.flatMap((m) => m.tokens.map((t) => t.label));
    expect(labels).toContain('bridge-e2e');
    app.watch.expectClean();
  });

  it('generates a key on the token and then finds it listed', async () => {
    const generated = await app.page.evaluate(
      (hsmUri) => window.olocus.generateKey({ hsmUri, type: 'ec-p256', label: 'bridge-key' }),
      s.hsmUri,
    );
    expect(generated.ok, JSON.stringify(generated)).toBe(true);
    if (!generated.ok) return;
    expect(generated.value.fingerprint?.kind).toBe('spki-sha256');

    const listed = await app.page.evaluate(
      (hsmUri) => window.olocus.listKeys({ hsmUri }),
      s.hsmUri,
    );
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    const key = listed.value.keys.find((k) => k.label === 'bridge-key' && k.class === 'private');
    expect(key?.spkiSha256).toBe(generated.value.fingerprint?.value);
    app.watch.expectClean();
  });

  it('refuses an invalid payload with the validation error, and the token is untouched', async () => {
    const answers = await app.page.evaluate(async (hsmUri) => {
      const api = window.olocus as unknown as Record<string, (r: unknown) => Promise<unknown>>;
      return {
        wrongType: await api.tokens!({ hsmUri: 42 }),
        extraKey: await api.tokens!({ hsmUri, sneaky: true }),
        missing: await api.listKeys!(undefined),
        badKeyType: await api.generateKey!({ hsmUri, type: 'rsa-512', label: 'weak' }),
      };
    }, s.hsmUri);
    for (const [what, answer] of Object.entries(answers)) {
      expect(answer, what).toMatchObject({
        ok: false,
        error: {
          code: ErrorCode.INVALID_INPUT,
          message: expect.stringMatching(/^The request was refused: /),
        },
      });
    }
    expect(JSON.stringify(answers.wrongType)).toMatch(/hsmUri/);
    expect(JSON.stringify(answers.extraKey)).toMatch(/sneaky/);
    // Nothing was created by the refused generateKey.
    const listed = await app.page.evaluate(
      (hsmUri) => window.olocus.listKeys({ hsmUri }),
      s.hsmUri,
    );
    expect(listed.ok && listed.value.keys.some((k) => k.label === 'weak')).toBe(false);
    app.watch.expectClean();
  });

  it('delivers a run’s events to the page: progress, ledger records, then the end', async () => {
    const dir = resolve(s.workspace, 'demo');
    const result = await app.page.evaluate(async (dir) => {
      const seen: { kinds: string[]; ledger: number; finished: string | null } = {
        kinds: [],
        ledger: 0,
        finished: null,
      };
      const offs = [
        window.olocus.onRunProgress((e) => seen.kinds.push(e.kind)),
        window.olocus.onRunLedgerAppended(() => seen.ledger++),
      ];
      const done = new Promise<void>((ok) => {
        const off = window.olocus.onRunFinished((e) => {
          seen.finished = e.state;
          off();
          ok();
        });
      });
      const started = await window.olocus.startDemo({ dir });
      if (!started.ok) return { started, seen };
      await done;
      offs.forEach((off) => off());
      const status = await window.olocus.runStatus({ runId: started.value.runId });
      return { started, seen, status };
    }, dir);
    expect(result.started.ok, JSON.stringify(result.started)).toBe(true);
    expect(result.seen.finished).toBe('finished');
    expect(result.seen.kinds.length).toBeGreaterThan(0);
    expect(result.seen.ledger).toBeGreaterThan(0);

    // The ledger the events announced is one verify-audit accepts, with that many records.
    const verdict = await app.page.evaluate(
      (path) => window.olocus.verifyAudit({ path }),
      resolve(dir, 'audit.jsonl'),
    );
    expect(verdict.ok && verdict.value.ok).toBe(true);
    if (verdict.ok) expect(verdict.value.records).toBe(result.seen.ledger);
    app.watch.expectClean();
  });
});

describe('accessibility helper', () => {
  it('passes the fixture page', async () => {
    await expectNoSeriousA11yViolations(app.page, 'the bridge fixture');
  });

  it('fails a page with an unlabelled field and an image without text, naming both', async () => {
    const bad = await s.openPage({ path: '/inaccessible.html', token: null, connect: false });
    const found = await seriousA11yViolations(bad.page);
    expect(found.map((v) => v.id)).toEqual(expect.arrayContaining(['image-alt', 'label']));
    await expect(
      expectNoSeriousA11yViolations(bad.page, 'the inaccessible fixture'),
    ).rejects.toThrow(/critical image-alt: .*\n\s+at img/);
    await bad.page.close();
  });
});

describe('kept out of the desktop app', () => {
  const REPO = resolve(import.meta.dirname, '../..');

  it('is imported by nothing the Electron build or the CLI bundles', () => {
    const importers: string[] = [];
    for (const dir of ['src/main', 'src/preload', 'src/renderer', 'src/shared', 'src/cli']) {
      for (const file of sourceFiles(join(REPO, dir))) {
        const text = readFileSync(file, 'utf8');
        if (
          /\bfrom\s+['"][^'"]*\/bridge(\/[^'"]*)?['"]|import\(\s*['"][^'"]*\/bridge\b/.test(text)
        ) {
          importers.push(relative(REPO, file));
        }
      }
    }
    expect(importers).toEqual([]);
  });

  it('is no entry of electron-vite, and the packaged files are the build output only', () => {
    expect(readFileSync(join(REPO, 'electron.vite.config.ts'), 'utf8')).not.toMatch(/src\/bridge/);
    const builder = parseYaml(readFileSync(join(REPO, 'electron-builder.yml'), 'utf8')) as {
      files: string[];
    };
    expect(builder.files).toEqual(['out/**']);
  });

  it.skipIf(!existsSync(join(REPO, 'out/main/index.js')))(
    'leaves no trace in a build that exists (out/): no bridge path, protocol or token prefix',
    () => {
      const marks = [BRIDGE_WS_PATH, BRIDGE_PROTOCOL, tokenProtocol('')];
      const found = sourceFiles(join(REPO, 'out'), /\.(c|m)?js$/).filter((f) => {
        const text = readFileSync(f, 'utf8');
        return marks.some((m) => text.includes(m));
      });
      expect(found.map((f) => relative(REPO, f))).toEqual([]);
    },
  );
});

function sourceFiles(dir: string, pattern = /\.(ts|tsx|js|mjs|cjs)$/): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p, pattern);
    return pattern.test(e.name) ? [p] : [];
  });
}
