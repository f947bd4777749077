// The room over IPC: questions go out as events with ids, answers come back through the
// contract's answer channels, deadlines and cancellation stop a run cleanly, and runs report
// their state, their ledger and their result.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { eventChannel, invokeChannel } from '../../src/shared/channels';
import type { EventName } from '../../src/shared/channels';
import type { EventOf } from '../../src/shared/contract';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import type { CeremonyRoom } from '../../src/main/ceremony/run/room';
import { createEmitter } from '../../src/main/ipc/events';
import { createHandlers } from '../../src/main/ipc/handlers';
import type { ServiceApi } from '../../src/main/ipc/handlers';
import { registerContract } from '../../src/main/ipc/register';
import type { IpcMainLike } from '../../src/main/ipc/register';
import { RunManager } from '../../src/main/service/run-manager';
import type { InvokeEventLike } from '../../src/main/ipc/sender';
import { Secret } from '../../src/shared/secret';

/** Collects events as the window would receive them (after the contract strips them). */
function recorder() {
  const sent: { name: EventName; payload: Record<string, unknown> }[] = [];
  const log = vi.fn();
  const emit = createEmitter((channel, payload) => {
    sent.push({
      name: channel.replace('olocus:event:', '') as EventName,
      payload: payload as Record<string, unknown>,
    });
  }, log);
  const of = <K extends EventName>(name: K) =>
    sent.filter((e) => e.name === name).map((e) => e.payload as EventOf<K>);
  /** Resolves with the next event of that name (polling: events are sent synchronously). */
  const next = async <K extends EventName>(name: K, after = 0): Promise<EventOf<K>> => {
    for (let i = 0; i < 400; i++) {
      const found = of(name)[after];
      if (found) return found;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no ${name} event #${after}`);
  };
  return { emit, sent, of, next, log };
}

describe('IpcRoom through RunManager', () => {
  let rec: ReturnType<typeof recorder>;
  let runs: RunManager;

  beforeEach(() => {
    rec = recorder();
    runs = new RunManager(rec.emit, { timeoutMs: 60_000, ledgerPollMs: 10 });
  });

  afterEach(() => {
    // Every event that was emitted fitted its schema.
    expect(rec.log).not.toHaveBeenCalled();
  });

  /** Starts a ceremony-kind run whose work is `fn(room)`. */
  const startWith = (fn: (room: CeremonyRoom) => Promise<unknown>) =>
    runs.start('ceremony', null, async ({ room }) => {
      await fn(room);
      return {
        dir: '/r',
        ceremonyId: 'c',
        status: 'finished' as const,
        ledger: { path: '/r/audit.jsonl', records: 1, head: 'h', headWords: 'w' },
        keys: [],
        outputs: [],
      };
    });

  it('asks for a share, gets it back by request id, and closes the question', async () => {
    let got: unknown;
    const { runId } = startWith(async (room) => {
      got = await room.nextShare({
        secretId: 'token-pins',
        purpose: 'logging in',
        custodians: ['Alice', 'Bob'],
        presented: [],
        need: 2,
      });
    });
    const ask = await rec.next('runShareNeeded');
    expect(ask).toMatchObject({
      runId,
      secretId: 'token-pins',
      need: 2,
      custodians: ['Alice', 'Bob'],
    });
    expect(runs.status(runId).open).toEqual([
      expect.objectContaining({ ask: 'share', requestId: ask.requestId }),
    ]);
    expect(
      runs.answer(ask.requestId, { ask: 'share', share: { text: 'J5GF', presentedBy: 'Alice' } }),
    ).toEqual({ accepted: true });
    await runs.settled(runId);
    // The engine receives the share as a Secret, never as the renderer's string.
    expect(got).toMatchObject({ presentedBy: 'Alice' });
    const presented = got as { text: unknown };
    expect(presented.text).toBeInstanceOf(Secret);
    expect((presented.text as Secret).unsafeText()).toBe('J5GF');
    expect(rec.of('runRequestClosed')).toEqual([
      { runId, requestId: ask.requestId, reason: 'answered' },
    ]);
    expect(runs.status(runId)).toMatchObject({
      state: 'finished',
      open: [],
      result: { ceremonyId: 'c' },
    });
    expect(rec.of('runFinished')).toEqual([{ runId, state: 'finished' }]);
    // The share's text went renderer → main only: no event carried it.
    expect(JSON.stringify(rec.sent)).not.toContain('J5GF');
  });

  it('"no share" ends the asking; a sealed share asks for its passphrase', async () => {
    const seen: unknown[] = [];
    const { runId } = startWith(async (room) => {
      const req = { secretId: 's', purpose: 'p', custodians: ['Alice'], presented: [], need: 1 };
      const share = await room.nextShare(req);
      seen.push(await share!.passphrase!());
      const again = await room.nextShare(req);
      await expect(again!.passphrase!()).rejects.toMatchObject({ code: ErrorCode.INVALID_INPUT });
      seen.push(await room.nextShare(req));
    });
    runs.answer((await rec.next('runShareNeeded', 0)).requestId, {
      ask: 'share',
      share: { text: 't', presentedBy: 'Alice' },
    });
    const unseal = await rec.next('runPassphraseNeeded', 0);
    expect(unseal).toMatchObject({ reason: 'unseal', secretId: 's', custodian: 'Alice' });
    runs.answer(unseal.requestId, { ask: 'passphrase', passphrase: 'horse' });
    runs.answer((await rec.next('runShareNeeded', 1)).requestId, {
      ask: 'share',
      share: { text: 't' },
    });
    const unseal2 = await rec.next('runPassphraseNeeded', 1);
    expect(unseal2.custodian).toBeNull();
    runs.answer(unseal2.requestId, { ask: 'passphrase', passphrase: null });
    runs.answer((await rec.next('runShareNeeded', 2)).requestId, { ask: 'share', share: null });
    await runs.settled(runId);
    expect((seen[0] as Secret).unsafeText()).toBe('horse');
    expect(seen[1]).toBeNull();
    expect(JSON.stringify(rec.sent)).not.toContain('horse');
  });

  it('witness sign-off and the choice of a sealing passphrase', async () => {
    const seen: unknown[] = [];
    const { runId } = startWith(async (room) => {
      seen.push(
        await room.witness({
          stepId: 'gen',
          title: 'Generate',
          statement: 'I saw it.',
          witnesses: ['Wendy'],
        }),
      );
      seen.push(
        await room.witness({
          stepId: 'gen',
          title: 'Generate',
          statement: 'I saw it.',
          witnesses: ['Wendy'],
        }),
      );
      seen.push(await room.choosePassphrase!({ secretId: 'token-pins', custodian: 'Alice' }));
    });
    const w1 = await rec.next('runWitnessNeeded', 0);
    expect(w1).toMatchObject({
      runId,
      stepId: 'gen',
      title: 'Generate',
      statement: 'I saw it.',
      witnesses: ['Wendy'],
    });
    runs.answer(w1.requestId, { ask: 'witness', name: 'Wendy' });
    runs.answer((await rec.next('runWitnessNeeded', 1)).requestId, { ask: 'witness', name: null });
    const seal = await rec.next('runPassphraseNeeded');
    expect(seal).toMatchObject({ reason: 'seal', secretId: 'token-pins', custodian: 'Alice' });
    runs.answer(seal.requestId, { ask: 'passphrase', passphrase: 'pw-of-alice' });
    await runs.settled(runId);
    expect(seen.slice(0, 2)).toEqual([{ name: 'Wendy' }, null]);
    expect((seen[2] as Secret).unsafeText()).toBe('pw-of-alice');
  });

  it('refuses answers of the wrong kind, to unknown ids, and twice to the same id', async () => {
    const { runId } = startWith(async (room) => {
      await room.witness({ stepId: 's', title: 't', statement: 'x', witnesses: ['W'] });
    });
    const ask = await rec.next('runWitnessNeeded');
    expect(() => runs.answer(ask.requestId, { ask: 'share', share: null })).toThrow(OlocusError);
    expect(() => runs.answer(crypto.randomUUID(), { ask: 'witness', name: 'W' })).toThrow(
      /no longer open/,
    );
    expect(runs.status(runId).open).toHaveLength(1);
    runs.answer(ask.requestId, { ask: 'witness', name: 'W' });
    expect(() => runs.answer(ask.requestId, { ask: 'witness', name: 'W' })).toThrow(
      /no longer open/,
    );
    await runs.settled(runId);
  });

  it('issued cards reach the window as paths, never as share text', async () => {
    const { runId } = startWith(async (room) => {
      await room.sharesIssued([
        {
          secretId: 'token-pins',
          custodian: 'Alice',
          card: 'shares/alice.pdf',
          text: 'J5GF-SECRET',
        },
      ]);
      room.announce({ stepId: 'init', kind: 'result', message: 'Token initialised.' });
    });
    await runs.settled(runId);
    expect(rec.of('runCardsIssued')).toEqual([
      { runId, cards: [{ secretId: 'token-pins', custodian: 'Alice', card: 'shares/alice.pdf' }] },
    ]);
    expect(rec.of('runProgress')).toEqual([
      { runId, stepId: 'init', kind: 'result', message: 'Token initialised.' },
    ]);
    expect(JSON.stringify(rec.sent)).not.toContain('J5GF');
  });

  it('cancelling refuses the open question and every later one; the run ends cancelled', async () => {
    let later: unknown;
    const { runId } = startWith(async (room) => {
      try {
        await room.witness({ stepId: 's', title: 't', statement: 'x', witnesses: ['W'] });
      } catch (e) {
        later = await room
          .nextShare({ secretId: 's', purpose: 'p', custodians: [], presented: [], need: 1 })
          .catch((e2: unknown) => e2);
        throw e;
      }
    });
    const ask = await rec.next('runWitnessNeeded');
    expect(runs.cancel(runId)).toMatchObject({ cancelled: true });
    await runs.settled(runId);
    expect(later).toBeInstanceOf(OlocusError);
    expect(rec.of('runShareNeeded')).toEqual([]); // the later question was never even sent
    expect(rec.of('runRequestClosed')).toEqual([
      { runId, requestId: ask.requestId, reason: 'cancelled' },
    ]);
    const status = runs.status(runId);
    expect(status).toMatchObject({
      state: 'cancelled',
      error: { code: ErrorCode.POLICY_VIOLATION },
    });
    expect(runs.cancel(runId)).toMatchObject({ cancelled: false });
    expect(rec.of('runFinished')).toEqual([{ runId, state: 'cancelled' }]);
  });

  it('a question nobody answers times out with code 109 and the run fails', async () => {
    vi.useFakeTimers();
    try {
      const { runId } = startWith(async (room) => {
        await room.nextShare({
          secretId: 's',
          purpose: 'logging in',
          custodians: ['A'],
          presented: [],
          need: 1,
        });
      });
      await vi.advanceTimersByTimeAsync(1);
      const ask = rec.of('runShareNeeded')[0]!;
      await vi.advanceTimersByTimeAsync(60_000);
      await runs.settled(runId);
      expect(runs.status(runId)).toMatchObject({
        state: 'failed',
        error: { code: ErrorCode.TIMEOUT },
      });
      expect(runs.status(runId).error?.message).toMatch(/a share for logging in/);
      expect(rec.of('runRequestClosed')).toEqual([
        { runId, requestId: ask.requestId, reason: 'timeout' },
      ]);
      expect(() => runs.answer(ask.requestId, { ask: 'share', share: null })).toThrow(
        /no longer open/,
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs one at a time; a failed run reports its error; a demo cannot be cancelled midway', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { runId } = runs.start('demo', null, async () => {
      await gate;
      throw new OlocusError(ErrorCode.CONNECTION_FAILED, 'SoftHSM is not installed.');
    });
    expect(() => startWith(async () => {})).toThrow(/still running/);
    expect(runs.cancel(runId)).toMatchObject({ cancelled: false });
    release();
    await runs.settled(runId);
    expect(runs.status(runId)).toMatchObject({
      kind: 'demo',
      state: 'failed',
      error: { code: 100, message: 'SoftHSM is not installed.' },
    });
    const second = startWith(async () => {});
    await runs.settled(second.runId);
    expect(runs.status(second.runId).state).toBe('finished');
  });

  it('forgets the oldest finished runs beyond the limit', async () => {
    const small = new RunManager(rec.emit, { keepFinished: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { runId } = small.start('drill', null, async () => ({
        dir: '/r',
        secretId: 's',
        file: 'f',
        signed: false,
        report: { ok: true, recoverable: true, custodians: [], reconstructions: [], verdict: 'v' },
      }));
      await small.settled(runId);
      ids.push(runId);
    }
    expect(() => small.status(ids[0]!)).toThrow(/No such run/);
    expect(small.status(ids[3]!).state).toBe('finished');
  });
});

describe('ledger records reach the window as they land', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'olocus-tail-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const record = (seq: number) =>
    JSON.stringify({
      actor: 'Admin',
      data: { custodian: 'Alice', commitment: 'c' },
      hash: String(seq).repeat(64).slice(0, 64),
      prev: '0'.repeat(64),
      seq,
      step: seq === 0 ? null : 'init',
      time: '2026-01-01T00:00:00.000Z',
      type: seq === 0 ? 'ledger.opened' : 'share.accepted',
    });

  it('in order, once each, headers only, a torn line only once it is whole', async () => {
    const rec = recorder();
    const runs = new RunManager(rec.emit, { ledgerPollMs: 5 });
    const path = join(dir, 'audit.jsonl');
    const { runId } = runs.start('rehearsal', dir, async () => {
      await new Promise((r) => setTimeout(r, 20)); // before the file exists
      appendFileSync(path, `${record(0)}\n`);
      await new Promise((r) => setTimeout(r, 30));
      const line = record(1);
      appendFileSync(path, line.slice(0, 40)); // a write in progress
      await new Promise((r) => setTimeout(r, 30));
      expect(rec.of('runLedgerAppended')).toHaveLength(1);
      appendFileSync(path, `${line.slice(40)}\n${record(2)}\n`);
      return {
        dir,
        ceremonyId: 'c',
        status: 'finished' as const,
        ledger: { path, records: 3, head: 'h', headWords: 'w' },
        keys: [],
        outputs: [],
        softhsmConf: join(dir, 'softhsm.conf'),
        playedSharesPath: join(dir, 'demo-secrets'),
      };
    });
    await runs.settled(runId);
    const appended = rec.of('runLedgerAppended');
    expect(appended.map((a) => a.seq)).toEqual([0, 1, 2]);
    expect(appended[1]).toEqual({
      runId,
      seq: 1,
      time: '2026-01-01T00:00:00.000Z',
      actor: 'Admin',
      step: 'init',
      type: 'share.accepted',
      hash: '1'.repeat(64),
    });
    // runFinished comes after the last record, so the window has the whole ledger by then.
    const names = rec.sent.map((e) => e.name);
    expect(names.lastIndexOf('runLedgerAppended')).toBeLessThan(names.indexOf('runFinished'));
    expect(rec.log).not.toHaveBeenCalled();
  });
});

describe('a ceremony over the registered IPC channels', () => {
  it('start → share asked → presentShare → witness asked → signOff → finished with its result', async () => {
    const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
    const ipcMain: IpcMainLike = {
      handle: (c, l) => void handlers.set(c, l),
      removeHandler: () => {},
    };
    const rec = recorder();
    const runs = new RunManager(rec.emit);
    const service = {
      runCeremony: vi.fn(async (_script: string, dir: string, room: CeremonyRoom) => {
        const share = await room.nextShare({
          secretId: 'token-pins',
          purpose: 'logging in',
          custodians: ['Alice'],
          presented: [],
          need: 1,
        });
        const witness = await room.witness({
          stepId: 'gen',
          title: 'Generate',
          statement: 'Seen.',
          witnesses: ['Wendy'],
        });
        return {
          dir,
          ceremonyId: 'root-ca',
          status: 'finished' as const,
          ledger: { path: `${dir}/audit.jsonl`, records: 9, head: 'h', headWords: 'w' },
          keys: [
            {
              label:
                share!.text instanceof Secret &&
                share!.text.unsafeText() === 'J5GF-1' &&
                witness?.name === 'Wendy'
                  ? 'root'
                  : 'wrong',
              type: 'ec-p384',
              spkiSha256: null,
            },
          ],
          outputs: ['manifest.json'],
        };
      }),
    };
    registerContract(ipcMain, createHandlers(service as unknown as ServiceApi, runs), {
      log: () => {},
    });
    const frame = { url: 'app://olocus/index.html' };
    const event = { senderFrame: frame, sender: { mainFrame: frame } };
    const invoke = (name: string, payload: unknown) =>
      handlers.get(invokeChannel(name as never))!(event, payload) as Promise<{
        ok: boolean;
        value: Record<string, unknown>;
      }>;

    const started = await invoke('startCeremony', { scriptPath: '/s.yaml', dir: '/runs/r' });
    expect(started.ok).toBe(true);
    const runId = started.value.runId as string;
    const ask = await rec.next('runShareNeeded');
    expect(
      await invoke('presentShare', {
        requestId: ask.requestId,
        share: { text: 'J5GF-1', presentedBy: 'Alice' },
      }),
    ).toEqual({ ok: true, value: { accepted: true } });
    const w = await rec.next('runWitnessNeeded');
    expect((await invoke('presentShare', { requestId: w.requestId, share: null })).ok).toBe(false); // wrong kind
    expect((await invoke('signOff', { requestId: w.requestId, name: 'Wendy' })).ok).toBe(true);
    await rec.next('runFinished');
    const status = await invoke('runStatus', { runId });
    expect(status).toMatchObject({
      ok: true,
      value: {
        runId,
        kind: 'ceremony',
        state: 'finished',
        open: [],
        result: { ceremonyId: 'root-ca', keys: [{ label: 'root' }] },
      },
    });
    expect(eventChannel('runFinished')).toBe('olocus:event:runFinished');
    expect(JSON.stringify(rec.sent)).not.toContain('J5GF');
  });
});
