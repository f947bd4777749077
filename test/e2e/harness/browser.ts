// Debian's Chromium driven by playwright-core: never a downloaded browser, always headless (CI
// has no display), and every page watched for console errors, uncaught exceptions and failed
// requests, which fail the test unless it names them as expected.
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.OLOCUS_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}

/** What went wrong on a page, one readable line each. */
export interface PageWatch {
  readonly problems: string[];
  /**
   * Fails with the list of problems since the last call, ignoring those matching `expected` (a
   * test that provokes a refused connection names the console line it expects).
   */
  expectClean(expected?: readonly RegExp[]): void;
}

export function watchPage(page: Page): PageWatch {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught exception: ${e.message}`));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText ?? '?'})`),
  );
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return {
    problems,
    expectClean(expected = []) {
      const unexpected = problems.splice(0).filter((p) => !expected.some((re) => re.test(p)));
      if (unexpected.length > 0) {
        throw new Error(
          `The page reported ${unexpected.length} problem(s):\n  ${unexpected.join('\n  ')}`,
        );
      }
    },
  };
}
