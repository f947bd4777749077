// A CeremonyService made with an hsm-config.yaml (as the desktop app and the bridge make it from
// --config / OLOCUS_CONFIG): its token is the one meant when no URI is given, and its pool
// settings reach every token the process opens, including those a ceremony opens itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { CeremonyService } from '../../src/main/service/index';
import { configPathFromProcess } from '../../src/main/service/process-config';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';
import { softhsmConfig } from '../helpers/hsm-config';
import { ipcHarness } from '../helpers/ipc-harness';

const token = createToken('svc-config', '424242');
const work = mkdtempSync(join(tmpdir(), 'olocus-svc-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pinFile = join(work, 'user.pin');
writeFileSync(pinFile, token.userPin, { mode: 0o600 });

const config = softhsmConfig(token.label, pinFile, [
  '  pool:',
  '    min_sessions: 2',
  '    max_sessions: 3',
]);

/** Opened the way ceremony/run/context.ts opens the ceremony token: no pool options of its own. */
async function openLikeACeremony(): Promise<Pkcs11Provider> {
  const p = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: token.label },
  });
  await p.tokenInfo();
  return p;
}

describe('a service made with a config', () => {
  it('lists the config token, logged in, with no URI', async () => {
    const service = new CeremonyService({ config });
    try {
      const r = await service.listKeys();
      expect(r.token.label).toBe(token.label);
      expect(r.loggedIn).toBe(true);
    } finally {
      await service.close();
    }
  });

  it('gives its pool settings to tokens it did not open itself, until it closes', async () => {
    const service = new CeremonyService({ config });
    const during = await openLikeACeremony();
    try {
      expect(await during.poolStats()).toMatchObject({ max: 3, open: 2 });
    } finally {
      await during.close();
      await service.close();
    }
    const after = await openLikeACeremony();
    try {
      expect(await after.poolStats()).toMatchObject({ max: 8, open: 1 });
    } finally {
      await after.close();
    }
  });
});

describe('the app, over IPC, with the config it was started with', () => {
  it('listKeys and hsmHealth without hsmUri mean the config token', async () => {
    const ipc = ipcHarness({ config });
    try {
      const keys = await ipc.invoke('listKeys', {});
      expect(keys).toMatchObject({ token: { label: token.label }, loggedIn: true });
      expect(await ipc.invoke('hsmHealth', {})).toMatchObject({ ok: true });
      expect(ipc.problems).toEqual([]);
    } finally {
      await ipc.service.close();
    }
  });

  it('without a config, a request without hsmUri is refused with a sentence (108)', async () => {
    const ipc = ipcHarness();
    try {
      expect(await ipc.refusal('listKeys', {})).toMatchObject({
        code: 108,
        message: expect.stringContaining('--config FILE whose hsm.pkcs11 section names the token'),
      });
    } finally {
      await ipc.service.close();
    }
  });
});

describe('the config a long-running front was started with', () => {
  it('is --config PATH, --config=PATH, else OLOCUS_CONFIG', () => {
    expect(configPathFromProcess(['node', 'x', '--config', '/a.yaml'], {})).toBe('/a.yaml');
    expect(configPathFromProcess(['node', 'x', '--config=/b.yaml'], { OLOCUS_CONFIG: '/c' })).toBe(
      '/b.yaml',
    );
    expect(configPathFromProcess(['node', 'x'], { OLOCUS_CONFIG: '/c.yaml' })).toBe('/c.yaml');
    expect(configPathFromProcess(['node', 'x'], { OLOCUS_CONFIG: '' })).toBeUndefined();
  });
});
