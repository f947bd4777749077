// Transfers that migrateKey refuses, or that cannot log in to the target: a clear error, the
// refusal in the ledger, and both tokens exactly as they were.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { runCeremony } from '../helpers/run-ceremony';
import { loadState } from '../../src/main/ceremony/run/state';
import { ErrorCode } from '../../src/shared/errors';
import { ledgerOf, privateKeys, Room, transferFixtures } from './ceremony-transfer-fixtures';

const { work, scriptFor, openTarget, openCeremonyToken } = transferFixtures([
  'refused',
  'ed25519',
  'badpin',
]);

describe('a transfer migrateKey refuses', () => {
  it('a non-extractable key: a clear error, recorded, and both tokens as they were', async () => {
    const { text, script } = scriptFor({ name: 'refused', backup: false });
    const dir = join(work, 'refused');
    const room = new Room();
    const target = await openTarget('refused');
    const before = (await target.listKeys()).map((k) => k.uri).sort();
    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining('The key "signer" on token "xfer-src-refused" (serial'),
    });
    expect((err as Error).message).toContain(
      'is not extractable (CKA_EXTRACTABLE false), so it cannot be wrapped or migrated',
    );
    expect((await target.listKeys()).map((k) => k.uri).sort()).toEqual(before);
    const ledger = ledgerOf(dir);
    const generated = ledger.find((r) => r.type === 'key.generated' && r.data.label === 'signer')!;
    expect(ledger.find((r) => r.type === 'key.migration_refused')!.data).toMatchObject({
      label: 'signer',
      outcome: 'refused',
      code: ErrorCode.POLICY_VIOLATION,
    });
    expect(
      room.events.some((e) => e.kind === 'refused' && e.message.includes('not extractable')),
    ).toBe(true);
    // The source key is still there, the same key, and the run can resume.
    const source = await openCeremonyToken(dir, room.kept);
    const kept = await privateKeys(source);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.spkiSha256).toBe(generated.data.spki_sha256);
    expect((await loadState(dir))!.steps.map((s) => s.status)).toEqual(['done', 'done', 'started']);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('an Ed25519 key, which SoftHSM cannot wrap: said so, and nothing on the target', async () => {
    const { text, script } = scriptFor({ name: 'ed25519', keyType: 'ed25519' });
    const dir = join(work, 'ed25519');
    const room = new Room();
    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.MECHANISM_UNSUPPORTED });
    expect((err as Error).message).toContain('cannot wrap ed25519 keys');
    expect((err as Error).message).toMatch(/SoftHSM/);
    expect(await (await openTarget('ed25519')).listKeys()).toHaveLength(0);
    const source = await openCeremonyToken(dir, room.kept);
    expect(await privateKeys(source)).toHaveLength(1);
    expect(ledgerOf(dir).find((r) => r.type === 'key.migration_refused')).toBeDefined();
  });

  it('a wrong target PIN: 102, nothing on the target, and the PIN in no message', async () => {
    const pinFile = join(work, 'wrong-pin');
    writeFileSync(pinFile, '999999\n');
    chmodSync(pinFile, 0o600);
    const { text, script } = scriptFor({ name: 'badpin', pinSource: `file:${pinFile}` });
    const dir = join(work, 'badpin');
    const err = await runCeremony({ script, scriptText: text, dir, room: new Room() }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED });
    expect((err as Error).message).toContain('xfer-dst-badpin');
    expect((err as Error).message).not.toContain('999999');
    expect(await (await openTarget('badpin')).listKeys()).toHaveLength(0);
  });
});
