// The lock files behind "one writer per run directory and per ledger" (audit/write-lock.ts):
// what a second writer is told, when a lock counts as stale, and what a release removes.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner, verifyLedger } from '../../src/main/audit/index';
import { acquireLock, ledgerLockPath } from '../../src/main/audit/write-lock';
import { OlocusError } from '../../src/shared/errors';

const work = mkdtempSync(join(tmpdir(), 'olocus-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Above Linux's largest pid_max (2^22): no process can have it.
const DEAD_PID = 4_194_304 + 17;
const holder = (over: Record<string, unknown>) =>
  JSON.stringify({
    pid: process.pid,
    host: hostname(),
    started: '2026-01-01T00:00:00.000Z',
    command: 'olocus-ceremony demo',
    ...over,
  });

async function refusal(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

describe('acquireLock', () => {
  it('refuses a second writer in this process with a sentence naming the holder (code 108, exit 2)', async () => {
    const path = join(work, 'a.lock');
    const first = await acquireLock(path, 'The run directory /x');
    const e = await refusal(acquireLock(path, 'The run directory /x'));
    expect(e.code).toBe(108);
    expect(e.message).toMatch(
      new RegExp(
        `^The run directory /x is in use by process ${process.pid} on ${hostname()} \\(.+, since .+Z\\); a second writer is refused\\. Wait for it to finish, or stop it first\\.$`,
      ),
    );
    await first.release();
    expect(existsSync(path)).toBe(false);
    const again = await acquireLock(path, 'The run directory /x');
    expect(again.takenOver).toBeNull();
    await again.release();
  });

  it('takes over a lock whose process is gone, keeps it as evidence, and says whose it was', async () => {
    const path = join(work, 'stale.lock');
    writeFileSync(path, holder({ pid: DEAD_PID }));
    const lock = await acquireLock(path, 'The run directory /y');
    expect(lock.takenOver).toEqual({
      pid: DEAD_PID,
      host: hostname(),
      started: '2026-01-01T00:00:00.000Z',
      command: 'olocus-ceremony demo',
    });
    const kept = readdirSync(work).filter((f) => f.startsWith('stale.lock.stale-'));
    expect(kept).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(work, kept[0]!), 'utf8')).pid).toBe(DEAD_PID);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('never guesses that a lock from another host is stale: it names the host and the file to remove', async () => {
    const path = join(work, 'remote.lock');
    writeFileSync(path, holder({ pid: DEAD_PID, host: 'vault-room-2' }));
    const e = await refusal(acquireLock(path, 'The audit ledger /z'));
    expect(e.message).toContain(`is in use by process ${DEAD_PID} on vault-room-2`);
    expect(e.message).toContain(`If that process is gone, remove ${path} by hand.`);
    expect(readFileSync(path, 'utf8')).toContain('vault-room-2');
  });

  it('refuses an unreadable lock file rather than taking it', async () => {
    const path = join(work, 'junk.lock');
    writeFileSync(path, 'not json');
    const e = await refusal(acquireLock(path, 'The audit ledger /j'));
    expect(e.message).toContain('an unreadable lock file (8 bytes)');
    expect(readFileSync(path, 'utf8')).toBe('not json');
  });

  it('a release leaves alone a lock file that is no longer its own', async () => {
    const path = join(work, 'swapped.lock');
    const lock = await acquireLock(path, 'x');
    writeFileSync(path, holder({ started: 'other' }));
    await lock.release();
    expect(existsSync(path)).toBe(true);
  });
});

describe('a ledger writer', () => {
  it('holds <ledger>.lock from open to close; a second Ledger.open elsewhere is refused', async () => {
    const path = join(work, 'audit.jsonl');
    const { signer } = generateSoftwareSigner('ed25519');
    const ledger = await Ledger.create(path, { ceremonyId: 'lock', actor: 'ada', signer });
    expect(existsSync(ledgerLockPath(path))).toBe(true);
    await ledger.close();
    expect(existsSync(ledgerLockPath(path))).toBe(false);
    // A lock left by a dead writer: the next writer takes it and the ledger says so.
    writeFileSync(
      ledgerLockPath(path),
      holder({ pid: DEAD_PID, command: 'olocus-ceremony migrate' }),
    );
    const { ledger: reopened } = await Ledger.open(path, { signer, actor: 'ada' });
    await reopened.signHead({ actor: 'ada', step: null });
    await reopened.close();
    const records = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records[1]).toMatchObject({
      type: 'ledger.lock_taken_over',
      actor: 'ada',
      data: { pid: DEAD_PID, host: hostname(), command: 'olocus-ceremony migrate' },
    });
    expect((await verifyLedger(path)).ok).toBe(true);
  });

  it('a ledger in a run directory another live process runs is refused, though no ledger lock is held', async () => {
    const dir = mkdtempSync(join(work, 'run-'));
    // pid 1 is alive on every Linux machine and is not this process.
    writeFileSync(
      join(dir, 'run.lock'),
      holder({ pid: 1, command: 'olocus-ceremony ceremony run' }),
    );
    const e = await refusal(
      Ledger.create(join(dir, 'audit.jsonl'), {
        ceremonyId: 'x',
        actor: 'ada',
        signer: generateSoftwareSigner('ed25519').signer,
      }),
    );
    expect(e.code).toBe(108);
    expect(e.message).toContain(
      `belongs to the run directory ${dir}, which is in use by process 1 on ${hostname()}`,
    );
    expect(readdirSync(dir)).toEqual(['run.lock']);
  });
});
