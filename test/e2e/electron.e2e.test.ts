// The real desktop app through Playwright's Electron driver, when an Electron binary is at hand
// (OLOCUS_ELECTRON_PATH). This machine cannot download one, so here the test is skipped with a
// sentence saying how to run it. The app is launched unpackaged (`electron .` on the built
// `out/`): the packaged app's fuses switch off the inspector that the driver needs, which is the
// point of those fuses, so this is the test flavour the issue allows.
// Extra Electron switches (e.g. --no-sandbox as root in a container) go in OLOCUS_ELECTRON_ARGS.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, INVOKE_NAMES, subscriberName } from '../../src/shared/channels';
import { expectNoSeriousA11yViolations, screenshot } from './harness/index';

const bin = process.env.OLOCUS_ELECTRON_PATH;
const available = Boolean(bin && existsSync(bin));
const title = available
  ? 'opens the wizard on app://olocus with exactly window.olocus, and no Node in the page'
  : 'opens the desktop app (skipped: set OLOCUS_ELECTRON_PATH to an Electron binary to run it)';

describe('Electron app (Playwright _electron)', () => {
  it.skipIf(!available)(title, async () => {
    for (const built of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(existsSync(resolve(built)), `${built} is missing: run npm run build first`).toBe(true);
    }
    const workspace = mkdtempSync(join(tmpdir(), 'olocus-electron-'));
    const extra = (process.env.OLOCUS_ELECTRON_ARGS ?? '').split(' ').filter(Boolean);
    const { ELECTRON_RUN_AS_NODE: _asNode, ...env } = process.env;
    const app = await _electron.launch({
      executablePath: bin!,
      args: [...extra, resolve('.')],
      env: { ...env, OLOCUS_WORKSPACE: workspace } as Record<string, string>,
      timeout: 60_000,
    });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(new URL(page.url()).origin).toBe('app://olocus');
      const seen = await page.evaluate(() => ({
        api: Object.keys((window as unknown as { olocus: object }).olocus).sort(),
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      expect(seen).toEqual({
        api: [...INVOKE_NAMES, ...EVENT_NAMES.map(subscriberName)].sort(),
        require: 'undefined',
        process: 'undefined',
      });
      // The app opens on Home and reads the workspace it was given.
      const heading = page.locator('#screen-title');
      await heading.waitFor({ timeout: 30_000 });
      expect(await heading.textContent()).toBe('Home');
      await screenshot(page, 'electron-home');
      await expectNoSeriousA11yViolations(page);
      // Navigation away from the app is denied by the shell.
      await page.evaluate(() => {
        window.location.href = 'https://example.com/';
      });
      await page.waitForTimeout(500);
      expect(new URL(page.url()).origin).toBe('app://olocus');
    } finally {
      await app.close();
    }
  });
});
