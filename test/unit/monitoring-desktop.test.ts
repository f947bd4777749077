// The desktop app serves no metrics: the ceremony room must gain no listening socket, and probe
// traffic only when live health is on (service/health.ts, off unless the config or the officer
// turns it on; tested on SoftHSM in monitoring-app-health). Checked on the sources, since the
// Electron shell cannot run here: nothing the app loads imports monitoring/ or asks the service
// for a monitor, and the app's service is built without one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

const APP = [
  join(SRC, 'main/index.ts'),
  ...files(join(SRC, 'main/ipc')),
  ...files(join(SRC, 'main/shell')),
  ...files(join(SRC, 'preload')),
  ...files(join(SRC, 'renderer')),
  ...files(join(SRC, 'bridge')),
];

describe('the desktop app and monitoring', () => {
  it('no app module imports monitoring/ or calls service.monitor', () => {
    expect(APP.length).toBeGreaterThan(10);
    for (const f of APP) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from ['"][./]*(?:main\/)?monitoring\b/);
      expect(text, f).not.toMatch(/\.monitor\(/);
      expect(text, f).not.toMatch(/prom-client/);
    }
  });

  it("the app's CeremonyService is built without a monitor", () => {
    const shell = readFileSync(join(SRC, 'main/index.ts'), 'utf8');
    const built = /new CeremonyService\(([^;]*?)\);/s.exec(shell);
    expect(built, 'main/index.ts builds a CeremonyService').not.toBeNull();
    expect(built![1]).not.toMatch(/monitor/);
  });

  it('live health (service/health.ts) serves nothing and drops the webhook', () => {
    const text = readFileSync(join(SRC, 'main/service/health.ts'), 'utf8');
    expect(text).not.toMatch(/node:(http|https|net|dgram)|serveMetrics|exposition/);
    expect(text).toMatch(/const \{ webhook: _webhook, \.\.\.settings \} = base;/);
  });
});
