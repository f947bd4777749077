// One end-to-end session: a fresh SoftHSM token store (SOFTHSM2_CONF under a temp dir) with
// one initialised token, a temp workspace, a bridge serving the renderer (or a fixture) over a
// real CeremonyService, and headless Chromium. Call it in beforeAll, close it in afterAll.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startBridge } from '../../../src/bridge/index';
import type { Bridge } from '../../../src/bridge/index';
import type { RunManagerOptions } from '../../../src/main/service/run-manager';
import { SOFTHSM_MODULE, createToken, useSoftHsm } from '../../helpers/softhsm';
import type { TestToken } from '../../helpers/softhsm';
import { launchChromium, watchPage } from './browser';
import type { PageWatch } from './browser';

export interface E2eOptions {
  /** The site root the bridge serves; default the built renderer, out/renderer. */
  rendererDir?: string;
  tokenLabel?: string;
  runs?: RunManagerOptions;
}

export interface OpenedPage {
  page: Page;
  watch: PageWatch;
  /** The token the page was opened with ('' for none; tests of the guard replay it). */
  token: string;
}

export interface E2eSession {
  bridge: Bridge;
  browser: Browser;
  /** A temp directory for run directories and files the test writes; removed on close. */
  workspace: string;
  token: TestToken;
  /** The test token's URI, PIN read from a file in the workspace (as an officer's setup would). */
  hsmUri: string;
  /** The same token addressed without a PIN. */
  hsmUriNoPin: string;
  /** The bridge's log lines (refusals, failures), for assertions. */
  log: string[];
  /**
   * Opens the bridge's address with a token in its fragment (the current one unless given) in
   * a fresh browser context, and waits until the page has connected (unless `connect: false`).
   * `token: null` opens the page with no token at all.
   */
  openPage(opts?: { token?: string | null; connect?: boolean; path?: string }): Promise<OpenedPage>;
  close(): Promise<void>;
}

export async function startE2e(options: E2eOptions = {}): Promise<E2eSession> {
  useSoftHsm(); // before the first provider opens in this process
  const token = createToken(options.tokenLabel ?? 'e2e');
  const workspace = mkdtempSync(join(tmpdir(), 'olocus-e2e-'));
  const pinFile = join(workspace, 'user-pin');
  writeFileSync(pinFile, token.userPin, { mode: 0o600 });
  const hsmUriNoPin = `pkcs11:token=${token.label}?module-path=${SOFTHSM_MODULE}`;
  const hsmUri = `${hsmUriNoPin}&pin-source=file:${pinFile}`;

  const log: string[] = [];
  const bridge = await startBridge({
    ...(options.rendererDir !== undefined ? { rendererDir: options.rendererDir } : {}),
    ...(options.runs !== undefined ? { runs: options.runs } : {}),
    log: (line) => log.push(line),
  });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await bridge.close();
    throw e;
  }
  const contexts: BrowserContext[] = [];

  return {
    bridge,
    browser,
    workspace,
    token,
    hsmUri,
    hsmUriNoPin,
    log,
    async openPage({ token: pageToken, connect = true, path = '/' } = {}) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const watch = watchPage(page);
      const secret =
        pageToken === null ? '' : (pageToken ?? bridge.currentToken() ?? bridge.issueToken());
      const fragment = secret ? `#token=${secret}` : '';
      await page.goto(`${bridge.origin.replace(/\/$/, '')}${path}${fragment}`);
      if (connect) await waitFor(() => bridge.connected, 'the page to connect to the bridge');
      return { page, watch, token: secret };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await bridge.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
