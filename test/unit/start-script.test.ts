// `npm start` on a machine without the Electron runtime (this one: Electron is downloaded on first
// use and the download is unreachable) must say so in one paragraph and point at the headless
// demo, exiting non-zero; the README promises exactly this.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

function electronDownloaded(): boolean {
  try {
    const dir = createRequire(import.meta.url)
      .resolve('electron/package.json')
      .replace(/package\.json$/, '');
    return existsSync(`${dir}path.txt`);
  } catch {
    return false;
  }
}

describe('npm start without the Electron runtime', () => {
  it.skipIf(electronDownloaded())(
    'explains in one paragraph and points at npx olocus-ceremony demo',
    () => {
      const { OLOCUS_ELECTRON_PATH: _unset, ...env } = process.env;
      const run = spawnSync(process.execPath, ['scripts/start.mjs'], {
        cwd: ROOT,
        env: { ...env, OLOCUS_ELECTRON_PATH: '/nonexistent/electron' },
        encoding: 'utf8',
        timeout: 170_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('the Electron runtime is not installed on this');
      expect(run.stderr).toContain('npx olocus-ceremony demo --out ./demo-run');
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
    180_000,
  );
});
