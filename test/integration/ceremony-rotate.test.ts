// The key.rotate ceremony step on a fresh SoftHSM token: the officers' quorum logs in, the
// family's next version is made, and the ceremony's own ledger and the run directory's signed
// inventory record it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { parseScript } from '../../src/main/ceremony/script/load';
import { planScript } from '../../src/main/ceremony/script/plan';
import { runCeremony } from '../helpers/run-ceremony';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-ceremony-rotate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const text = `version: 1
ceremony: { id: rotate-2027, name: Root key rotation, location: Test room }
hsm: { uri: 'pkcs11:token=rotate-2027?module-path=${SOFTHSM_MODULE}' }
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
quorum: { threshold: 2 }
steps:
  - { id: init-token, type: token.initialize }
  - { id: root-key, type: key.generate, key: { label: root, type: ec-p256 } }
  - { id: rotate-root, type: key.rotate, key: root@latest, reason: yearly rotation }
`;

describe('key.rotate in a ceremony', () => {
  it('plans it as a quorum step, makes root@v2 and records it in the ledger and the inventory', async () => {
    const script = parseScript(text);
    const plan = planScript(script);
    expect(plan.steps[2]).toMatchObject({ type: 'key.rotate', needsQuorum: true });
    expect(plan.steps[2]!.actions[0]).toMatch(/^Make the next version of key family "root"/);
    const dir = join(work, 'run');
    const summary = await runCeremony({ script, scriptText: text, dir, room: new ScriptedRoom() });
    expect(summary.status).toBe('finished');
    const records = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { type: string; step: string | null; data: Record<string, unknown> },
      );
    const rotated = records.find((r) => r.type === 'key.rotated');
    expect(rotated?.step).toBe('rotate-root');
    expect(rotated?.data).toMatchObject({
      family: 'root',
      version: 2,
      label: 'root@v2',
      reason: 'yearly rotation',
      created_by: 'ceremony rotate-2027, step rotate-root',
      previous: { version: 1, label: 'root' },
    });
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
    const inv = JSON.parse(readFileSync(join(dir, 'keys-inventory.json'), 'utf8')) as {
      families: Record<string, { versions: { label: string; state: string }[] }>;
      signature: { key: string };
    };
    expect(inv.families.root!.versions.map((v) => `${v.label}:${v.state}`)).toEqual([
      'root:enabled',
      'root@v2:primary',
    ]);
    expect(inv.signature.key).toBe('olocus-inventory');
  });
});
