// Interrupted transfers: a run that stops after the copy was recorded never moves the key again;
// one that stops between the unwrap and the record names the unrecorded copy instead of making a
// second; an approved destroy cut short is finished on resume.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { runCeremony } from '../helpers/run-ceremony';
import { loadState } from '../../src/main/ceremony/run/state';
import { ErrorCode } from '../../src/shared/errors';
import {
  ledgerOf,
  privateKeys,
  Room,
  targetSignsForSource,
  transferFixtures,
} from './ceremony-transfer-fixtures';

const { work, scriptFor, openTarget, openCeremonyToken } = transferFixtures([
  'resume',
  'half',
  'destroy',
]);

describe('resume', () => {
  it('after the transfer was recorded, the run resumes without transferring again', async () => {
    const { text, script } = scriptFor({ name: 'resume' });
    const dir = join(work, 'resume');
    const room = new Room({ message: /is recorded in the ledger/, times: 1 });
    await expect(runCeremony({ script, scriptText: text, dir, room })).rejects.toThrow('power cut');
    expect((await loadState(dir))!.steps[2]!.statement).toBeUndefined();

    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    const move = ledgerOf(dir).filter((r) => r.step === 'move');
    expect(move.filter((r) => r.type === 'transfer.started')).toHaveLength(1);
    expect(move.filter((r) => r.type === 'key.migrated')).toHaveLength(1);
    expect(move.find((r) => r.type === 'step.recovered')).toBeDefined();
    expect(room.events.map((e) => e.message)).toContain(
      '"signer" was already transferred to "dr" by the interrupted run and recorded; it is not transferred again.',
    );
    const target = await openTarget('resume');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(await targetSignsForSource(dir, target)).toBe(true);
    expect((await loadState(dir))!.steps[2]!.results).toMatchObject({
      transfer: { proven: true, wrap: 'rsa-aes-kwp' },
    });
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('a copy unwrapped but not recorded is found, named and not made again; once removed the transfer runs once', async () => {
    const { text, script } = scriptFor({ name: 'half' });
    const dir = join(work, 'half');
    const room = new Room({ message: /is proven; recording it/, times: 1 });
    await expect(runCeremony({ script, scriptText: text, dir, room })).rejects.toThrow('power cut');
    const target = await openTarget('half');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(ledgerOf(dir).filter((r) => r.type === 'key.migrated')).toHaveLength(0);

    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.POLICY_VIOLATION });
    const message = (err as Error).message;
    expect(message).toContain(
      'The previous run stopped after "signer" was unwrapped on target "dr" (token "xfer-dst-half"',
    );
    expect(message).toContain("its public key is the source's");
    expect(message).toContain('Nothing was transferred again');
    expect(message).toContain(
      `Have the target's officer destroy that unrecorded copy (all 2 objects labelled "signer" with CKA_ID`,
    );
    expect(message).toContain('private key, public key');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(ledgerOf(dir).find((r) => r.type === 'transfer.interrupted_copy_found')).toBeDefined();

    // The target's officer removes the unrecorded copy; the run then transfers once.
    await target.destroyKey({ label: 'signer' });
    // Officers come back with their cards to a new session.
    const again = new Room(undefined, room.kept);
    const summary = await runCeremony({ script, scriptText: text, dir, room: again });
    expect(summary.status).toBe('finished');
    expect(ledgerOf(dir).filter((r) => r.type === 'key.migrated')).toHaveLength(1);
    expect(await privateKeys(target)).toHaveLength(1);
    expect(await targetSignsForSource(dir, target)).toBe(true);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('an approved destroy cut short after the copy was recorded is finished on resume, not transferred again', async () => {
    const { text, script } = scriptFor({
      name: 'destroy',
      move: '    wrap: rsa-aes-kwp\n    destroy_source: true\n    approved_by: [Alice Archer, Carol Chen]\n',
    });
    const dir = join(work, 'destroy');
    const room = new Room({ message: /^Destroying "signer" on the ceremony token/, times: 1 });
    await expect(runCeremony({ script, scriptText: text, dir, room })).rejects.toThrow('power cut');
    const source = await openCeremonyToken(dir, room.kept);
    expect(await privateKeys(source)).toHaveLength(1);

    const again = new Room(undefined, room.kept);
    const summary = await runCeremony({ script, scriptText: text, dir, room: again });
    expect(summary.status).toBe('finished');
    const move = ledgerOf(dir).filter((r) => r.step === 'move');
    expect(move.filter((r) => r.type === 'key.migrated')).toHaveLength(1);
    const destroyed = move.find((r) => r.type === 'key.source_destroyed')!.data;
    expect([...(destroyed.approved_by as string[])].sort()).toEqual(['Alice Archer', 'Carol Chen']);
    expect(destroyed).toMatchObject({
      outcome: 'destroyed',
      note: 'destroyed on resume: the interrupted run had proven and recorded the copy',
    });
    expect(await privateKeys(source)).toHaveLength(0);
    const target = await openTarget('destroy');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(await targetSignsForSource(dir, target)).toBe(true);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });
});
