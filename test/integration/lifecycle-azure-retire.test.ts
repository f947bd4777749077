// keys disable and keys schedule-destroy on Azure Key Vault: the real SDK against the loopback
// fake. The current version is refused; an older one is disabled;
// deletion, Key Vault's scheduled destruction, takes a whole key, waits for a quorum of a
// ceremony run's officers and leaves it recoverable until the purge date.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureRig } from '../fakes/azure/index';
import type { AzureTestRig } from '../fakes/azure/index';
import { runCli } from '../helpers/cli';
import { makeQuorumRun } from '../helpers/quorum-run';
import type { QuorumRun } from '../helpers/quorum-run';

const VAULT = 'retire.vault.olocus.test';
const key = (name: string) => `azurekv://${VAULT}/keys/${name}`;
let rig: AzureTestRig;
let run: QuorumRun;
const work = mkdtempSync(join(tmpdir(), 'olocus-azure-retire-'));
const cli = (...args: string[]) => runCli(args, { env: rig.env });
const enabled = (name: string, version: string) =>
  (rig.fake.vault(VAULT).get(name, version).attributes as { enabled: boolean }).enabled;

beforeAll(async () => {
  rig = await startAzureRig({ vaults: [{ host: VAULT }] });
  run = await makeQuorumRun(work, 'azure-officers');
});
afterAll(async () => {
  await rig?.fake.close();
  rmSync(work, { recursive: true, force: true });
});

describe('retiring Azure key versions', { timeout: 180_000 }, () => {
  it('refuses the current version; disables an older one', async () => {
    expect(
      (await cli('azure', 'keys', 'create', '--key', key('signer'), '--type', 'ec-p256')).code,
    ).toBe(0);
    const v1 = rig.fake.vault(VAULT).latest('signer')!.version;
    expect((await cli('keys', 'rotate', '--key', key('signer'))).code).toBe(0);
    const v2 = rig.fake.vault(VAULT).latest('signer')!.version;
    const current = await cli('keys', 'disable', '--key', `${key('signer')}/${v2}`);
    expect(current.code).toBe(2);
    expect(current.stderr).toBe(
      `error: Version ${v2} of "signer" is its current version; rotate first (keys rotate), then disable the older one. Nothing was changed.\n`,
    );
    expect(enabled('signer', v2)).toBe(true);
    const r = await cli('keys', 'disable', '--key', `${key('signer')}/${v1}`, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      family: 'signer',
      version: { version: v1, enabled: false },
    });
    expect(enabled('signer', v1)).toBe(false);
    expect(enabled('signer', v2)).toBe(true);
    const noVersion = await cli('keys', 'disable', '--key', key('signer'));
    expect(noVersion.code).toBe(2);
    expect(noVersion.stderr).toBe(
      `error: Name the version to disable: ${key('signer')}/VERSION. Nothing was changed.\n`,
    );
  });

  it('deletion needs the quorum and a whole key; then the vault holds it as deleted until its purge date', async () => {
    const versioned = await cli(
      'keys',
      'schedule-destroy',
      '--key',
      `${key('signer')}/${rig.fake.vault(VAULT).latest('signer')!.version}`,
      '--run',
      run.dir,
      '--share',
      run.shareFlags[0]!,
      '--share',
      run.shareFlags[1]!,
    );
    expect(versioned.code).toBe(2);
    expect(versioned.stderr).toMatch(/^error: Key Vault deletes a key with all its versions/);
    const short = await cli(
      'keys',
      'schedule-destroy',
      '--key',
      key('signer'),
      '--run',
      run.dir,
      '--share',
      run.shareFlags[0]!,
      '--share',
      run.forgedFlag,
    );
    expect(short.code).toBe(3);
    expect(short.stderr).toMatch(/1 of 2 shares presented for deleting "signer"/);
    expect(rig.fake.vault(VAULT).isDeleted('signer')).toBe(false);
    const r = await cli(
      'keys',
      'schedule-destroy',
      '--key',
      key('signer'),
      '--run',
      run.dir,
      '--share',
      run.shareFlags[1]!,
      '--share',
      run.shareFlags[2]!,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      scheduledPurgeDate: string;
      approval: { approvedBy: string[] };
    };
    expect(doc.approval.approvedBy).toEqual(['Bob Baker', 'Carol Chen']);
    expect(Date.parse(doc.scheduledPurgeDate)).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    expect(rig.fake.vault(VAULT).isDeleted('signer')).toBe(true);
  });
});
