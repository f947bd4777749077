// Launches the real app when an Electron binary is available (OLOCUS_ELECTRON_PATH); this
// machine has none, so here it is skipped. With one, the shell's smoke mode loads the page,
// asks it what it sees, prints one line and quits: the page must be served from app://olocus,
// see window.olocus with exactly the contract's API, see no Node, and get a malformed request
// refused by the schema (code 108) across real IPC.
// Extra Electron switches (e.g. --ozone-platform=headless, or --no-sandbox as root in a
// container) go in OLOCUS_ELECTRON_ARGS, space separated.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, INVOKE_NAMES, subscriberName } from '../../src/shared/channels';
import { SMOKE_MARKER } from '../../src/main/shell/smoke';

const bin = process.env.OLOCUS_ELECTRON_PATH;
const available = Boolean(bin && existsSync(bin));
const title = available
  ? 'launches the built app and the page sees exactly window.olocus on app://olocus'
  : 'launches the built app (skipped: set OLOCUS_ELECTRON_PATH to an Electron binary to run it)';

describe('Electron launch', () => {
  it.skipIf(!available)(title, () => {
    for (const built of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(
        existsSync(resolve(built)),
        `${built} is missing: run npx electron-vite build first`,
      ).toBe(true);
    }
    const extra = (process.env.OLOCUS_ELECTRON_ARGS ?? '').split(' ').filter(Boolean);
    const { ELECTRON_RUN_AS_NODE: _asNode, ...env } = process.env;
    const run = spawnSync(bin!, [...extra, resolve('.')], {
      env: { ...env, OLOCUS_SHELL_SMOKE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = run.stdout.split('\n').find((l) => l.startsWith(SMOKE_MARKER));
    expect(line, `no smoke report; stderr:\n${run.stderr}`).toBeDefined();
    const report = JSON.parse(line!.slice(SMOKE_MARKER.length)) as Record<string, unknown>;
    expect(report).toEqual({
      origin: 'app://olocus',
      href: 'app://olocus/index.html',
      api: [...INVOKE_NAMES, ...EVENT_NAMES.map(subscriberName)].sort(),
      require: 'undefined',
      process: 'undefined',
      refused: 108,
    });
  });
});
