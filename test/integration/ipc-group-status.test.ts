// The app's view of an HSM group through the IPC contract: members, states, last checks and
// shares of the work, over two real SoftHSM tokens holding the same key; a member's token pulled
// away shows as out after "Check now".
import { renameSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHsmConfig } from '../../src/main/config/index';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { groupTokens } from '../helpers/group-tokens';
import { ipcHarness } from '../helpers/ipc-harness';
import type { IpcHarness } from '../helpers/ipc-harness';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const g = groupTokens(['ipc-g1', 'ipc-g2']);
let anchor: Pkcs11Provider;
let h: IpcHarness;

beforeAll(async () => {
  anchor = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: 'ipc-g1' } });
  const key = makeKeyPair('ec-p256');
  for (const t of ['ipc-g1', 'ipc-g2']) importKeyPair(t, '314159', 'root-2026', key);
  const { config } = parseHsmConfig(
    [
      'hsm:',
      '  provider: softhsm',
      'cluster:',
      '  name: signers',
      `  primary: "${g.uris[0]}"`,
      `  backups: ["${g.uris[1]}"]`,
    ].join('\n'),
    'c.yaml',
    { machineChecks: false },
  );
  h = ipcHarness({ config });
});
afterAll(async () => {
  await h.service.close();
  await anchor.close();
});

describe('groupStatus', () => {
  it('shows each member with its role, state and share; a pulled token is out after a check', async () => {
    for (let i = 0; i < 4; i++)
      await h.service.sign('group:signers/root-2026', Buffer.from(`${i}`));
    const s = await h.invoke('groupStatus', { key: 'group:signers/root-2026' });
    expect(s).toMatchObject({
      group: 'signers',
      key: 'root-2026',
      fingerprint: { kind: 'spki-sha256', value: expect.stringMatching(/^[0-9a-f]{64}$/) },
      policy: 'automatic',
      strategy: 'round-robin',
      threshold: 3,
    });
    expect(s.members.map((m) => [m.name, m.role, m.state, m.signed, m.fractionOfWork])).toEqual([
      ['ipc-g1', 'primary', 'healthy', 2, 0.5],
      ['ipc-g2', 'backup', 'healthy', 2, 0.5],
    ]);
    // Addresses (with their pin-source paths) stay in main.
    expect(JSON.stringify(s)).not.toContain('pin-source');
    const store = g.stores.get('ipc-g2')!;
    renameSync(store, `${store}.away`);
    try {
      const checked = await h.invoke('groupStatus', {
        key: 'group:signers/root-2026',
        check: true,
      });
      expect(checked.members[1]).toMatchObject({
        state: 'out',
        lastError: expect.stringContaining('HSM error 103'),
        lastCheck: expect.stringMatching(/^\d{4}-/),
      });
    } finally {
      renameSync(`${store}.away`, store);
    }
    expect(h.problems).toEqual([]);
  });

  it('a key that is not a group address is refused by the contract', async () => {
    const e = await h.refusal('groupStatus', { key: 'pkcs11:token=x' });
    expect(e.code).toBe(108);
  });
});
