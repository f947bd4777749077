// The registration wrapper with a fake ipcMain: who may call, what may be sent, what comes
// back. No electron here: the wrapper takes the ipcMain-like object as a parameter.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { INVOKE_NAMES, invokeChannel } from '../../src/shared/channels';
import type { InvokeName } from '../../src/shared/channels';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { createHandlers } from '../../src/main/ipc/handlers';
import type { ServiceApi } from '../../src/main/ipc/handlers';
import { registerContract } from '../../src/main/ipc/register';
import type { Handlers, IpcMainLike } from '../../src/main/ipc/register';
import { RunManager } from '../../src/main/service/run-manager';
import type { InvokeEventLike } from '../../src/main/ipc/sender';
import { VALID_REQUESTS } from './ipc-samples';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

const APP_URL = 'app://olocus/index.html';

/** An event from the main frame of a page at `url` (a subframe when `subframe`). */
function eventFrom(url: string, opts: { subframe?: boolean; destroyed?: boolean } = {}) {
  const mainFrame = { url };
  const senderFrame = opts.subframe ? { url } : mainFrame;
  return {
    senderFrame: opts.destroyed ? null : senderFrame,
    sender: { mainFrame },
  } satisfies InvokeEventLike;
}

function spyHandlers(): Handlers {
  const h = {} as Record<InvokeName, ReturnType<typeof vi.fn>>;
  for (const name of INVOKE_NAMES) h[name] = vi.fn(async () => ({ accepted: true }));
  return h as unknown as Handlers;
}

describe('registerContract', () => {
  let handlers: Handlers;
  let channels: Map<string, Listener>;
  const call = (name: InvokeName, event: InvokeEventLike, ...args: unknown[]) =>
    channels.get(invokeChannel(name))!(event, ...args) as Promise<{
      ok: boolean;
      value?: unknown;
      error?: { code: number; message: string; ckr?: string };
    }>;

  beforeEach(() => {
    const fake = fakeIpcMain();
    handlers = spyHandlers();
    registerContract(fake.ipcMain, handlers, { log: () => {} });
    channels = fake.handlers;
  });

  it('registers one handler per contract channel and nothing else; unregisters them all', () => {
    expect([...channels.keys()].sort()).toEqual(INVOKE_NAMES.map(invokeChannel).sort());
    const fake = fakeIpcMain();
    const off = registerContract(fake.ipcMain, spyHandlers());
    off();
    expect(fake.handlers.size).toBe(0);
  });

  it('accepts the main frame of our origin and passes the parsed request', async () => {
    const r = await call('signOff', eventFrom(APP_URL), VALID_REQUESTS.signOff);
    expect(r).toEqual({ ok: true, value: { accepted: true } });
    expect(handlers.signOff).toHaveBeenCalledWith(VALID_REQUESTS.signOff);
  });

  it('accepts any path and query under our origin', async () => {
    const r = await call('signOff', eventFrom('app://olocus/#/step/3?x=1'), VALID_REQUESTS.signOff);
    expect(r.ok).toBe(true);
  });

  describe('refuses senders', () => {
    const foreign = [
      '',
      'null',
      'about:blank',
      'file:///work/main/out/renderer/index.html',
      'http://localhost:5173/',
      'https://olocus/',
      'https://evil.example/',
      'app://evil/index.html',
      'app://olocus.evil/index.html',
      'app://user@olocus/index.html',
      'app://olocus:8080/index.html',
      'devtools://devtools/bundled/inspector.html',
      'data:text/html,<script>1</script>',
      'javascript:alert(1)',
      'olocus://app/index.html',
    ];
    it.each(foreign)('from the origin %j', async (url) => {
      const r = await call('signOff', eventFrom(url), VALID_REQUESTS.signOff);
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe(ErrorCode.POLICY_VIOLATION);
      expect(handlers.signOff).not.toHaveBeenCalled();
    });

    it('from a subframe, even one of our origin', async () => {
      const r = await call(
        'signOff',
        eventFrom(APP_URL, { subframe: true }),
        VALID_REQUESTS.signOff,
      );
      expect(r.error?.code).toBe(ErrorCode.POLICY_VIOLATION);
      expect(handlers.signOff).not.toHaveBeenCalled();
    });

    it('from a frame that is gone (senderFrame null, or throwing on access)', async () => {
      expect(
        (await call('signOff', eventFrom(APP_URL, { destroyed: true }), VALID_REQUESTS.signOff)).ok,
      ).toBe(false);
      const throwing = {
        get senderFrame(): never {
          throw new Error('Render frame was disposed before WebFrameMain could be accessed');
        },
        sender: { mainFrame: { url: APP_URL } },
      };
      expect((await call('signOff', throwing, VALID_REQUESTS.signOff)).ok).toBe(false);
      expect(handlers.signOff).not.toHaveBeenCalled();
    });

    it('from a webContents that is not our window', async () => {
      const fake = fakeIpcMain();
      const h = spyHandlers();
      const ours = eventFrom(APP_URL);
      registerContract(fake.ipcMain, h, { isOurWindow: (s) => s === ours.sender, log: () => {} });
      const r = (await fake.handlers.get(invokeChannel('signOff'))!(
        eventFrom(APP_URL),
        VALID_REQUESTS.signOff,
      )) as { ok: boolean };
      expect(r.ok).toBe(false);
      expect(h.signOff).not.toHaveBeenCalled();
      const good = (await fake.handlers.get(invokeChannel('signOff'))!(
        ours,
        VALID_REQUESTS.signOff,
      )) as { ok: boolean };
      expect(good.ok).toBe(true);
    });
  });

  describe('refuses payloads before the handler runs', () => {
    const ev = eventFrom(APP_URL);
    it.each([
      ['no argument', []],
      ['two arguments', [VALID_REQUESTS.signOff, VALID_REQUESTS.signOff]],
      ['a string', ['{"requestId":"x"}']],
      ['null', [null]],
      ['an array', [[VALID_REQUESTS.signOff]]],
      ['a missing field', [{ requestId: VALID_REQUESTS.signOff.requestId }]],
      ['a wrong type', [{ ...VALID_REQUESTS.signOff, name: 42 }]],
      ['an extra key', [{ ...VALID_REQUESTS.signOff, admin: true }]],
      ['a Date', [new Date()]],
      ['a function field', [{ ...VALID_REQUESTS.signOff, name: () => 'x' }]],
    ])('%s', async (_label, args) => {
      const r = await call('signOff', ev, ...(args as unknown[]));
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe(ErrorCode.INVALID_INPUT);
      expect(handlers.signOff).not.toHaveBeenCalled();
    });

    it('never quotes the refused value back', async () => {
      const secret = 'J5GF-GMIA-AEBQ-KAAM-OJXW';
      const r = await call('presentShare', ev, {
        requestId: 'not-a-uuid',
        share: { text: secret, extra: secret },
      });
      expect(r.error?.code).toBe(ErrorCode.INVALID_INPUT);
      expect(JSON.stringify(r)).not.toContain(secret);
    });
  });

  describe('answers', () => {
    const ev = eventFrom(APP_URL);
    it('an OlocusError as { code, message, ckr }', async () => {
      vi.mocked(handlers.listKeys).mockRejectedValueOnce(
        new OlocusError(ErrorCode.AUTHENTICATION_FAILED, 'The PIN is wrong.', {
          ckr: 'CKR_PIN_INCORRECT',
        }),
      );
      const r = await call('listKeys', ev, VALID_REQUESTS.listKeys);
      expect(r).toEqual({
        ok: false,
        error: { code: 102, message: 'The PIN is wrong.', ckr: 'CKR_PIN_INCORRECT' },
      });
    });

    it('any other failure as a fixed sentence, without its own message', async () => {
      vi.mocked(handlers.listKeys).mockRejectedValueOnce(new TypeError('pin 1234 at /secret/path'));
      const r = await call('listKeys', ev, VALID_REQUESTS.listKeys);
      expect(r.error?.code).toBe(ErrorCode.OPERATION_FAILED);
      expect(r.error?.message).not.toContain('1234');
    });

    it('a handler that throws synchronously, or a non-Error', async () => {
      vi.mocked(handlers.listKeys).mockImplementationOnce(() => {
        throw 'boom';
      });
      expect((await call('listKeys', ev, VALID_REQUESTS.listKeys)).error?.code).toBe(
        ErrorCode.OPERATION_FAILED,
      );
    });

    it('a result outside the contract as an error, not as half-vetted data', async () => {
      vi.mocked(handlers.startDemo).mockResolvedValueOnce({ runId: 'not-a-uuid' } as never);
      const r = await call('startDemo', ev, VALID_REQUESTS.startDemo);
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe(ErrorCode.OPERATION_FAILED);
    });

    it('results stripped to the contract', async () => {
      const runId = crypto.randomUUID();
      vi.mocked(handlers.startDemo).mockResolvedValueOnce({ runId, pin: '1234' } as never);
      expect(await call('startDemo', ev, VALID_REQUESTS.startDemo)).toEqual({
        ok: true,
        value: { runId },
      });
    });
  });
});

describe('createHandlers maps channels to the service', () => {
  const service = {
    tokens: vi.fn(async () => ({ modules: [], unavailable: [] })),
    listKeys: vi.fn(),
    generateKey: vi.fn(),
    checkConfig: vi.fn(),
    validateScript: vi.fn(),
    verifyAudit: vi.fn(async () => ({})),
    runCeremony: vi.fn(),
    rehearse: vi.fn(),
    demo: vi.fn(),
    drill: vi.fn(),
    appInfo: vi.fn(),
    recentRuns: vi.fn(async () => ({ root: '/w', runs: [] })),
    readLedger: vi.fn(),
    hsmHealth: vi.fn(),
    migrate: vi.fn(),
    attestKey: vi.fn(),
    verifyReport: vi.fn(),
    verifyManifest: vi.fn(),
    cloudInventory: vi.fn(),
    useConfig: vi.fn(),
    activeConfig: vi.fn(),
    queryAudit: vi.fn(async () => ({
      ledger: '/r/audit.jsonl',
      ok: true,
      filter: { since: null, until: null, types: [], key: 'k' },
      scanned: 2,
      matched: 1,
      records: [
        {
          seq: 1,
          time: '2026-03-01T09:00:00.000Z',
          actor: 'alice',
          step: null,
          type: 'key.generated',
          hash: 'a'.repeat(64),
          prev: '0'.repeat(64),
          data: { label: 'k', user_pin: '1234' },
        },
      ],
      verification: {},
      verdict: '1 of 2 records match.',
    })),
    groupStatus: vi.fn(),
    liveHealth: vi.fn(),
    signBatch: vi.fn(),
    keyInventory: vi.fn(),
    keysDue: vi.fn(),
    disableKeyVersion: vi.fn(),
    scheduleKeyDestroy: vi.fn(),
  } satisfies Record<keyof ServiceApi, unknown>;
  const runs = new RunManager(() => {});
  const h = createHandlers(service as unknown as ServiceApi, runs);

  it('passes only what the request says', async () => {
    await h.tokens({ hsmUri: 'pkcs11:' });
    expect(service.tokens).toHaveBeenLastCalledWith('pkcs11:', {});
    await h.tokens({ hsmUri: 'pkcs11:', mechanisms: true });
    expect(service.tokens).toHaveBeenLastCalledWith('pkcs11:', { mechanisms: true });
    await h.verifyAudit({ path: '/a.jsonl', expectedKeyFingerprint: 'b'.repeat(64) });
    expect(service.verifyAudit).toHaveBeenLastCalledWith('/a.jsonl', {
      expectedKeyFingerprint: 'b'.repeat(64),
    });
    await h.useConfig({ text: 'hsm: {}' });
    expect(service.useConfig).toHaveBeenLastCalledWith({ text: 'hsm: {}' });
    await h.useConfig({ path: '/c.yaml' });
    expect(service.useConfig).toHaveBeenLastCalledWith({ path: '/c.yaml' });
  });

  it('the wizard channels pass only the options given, under the service names', async () => {
    await h.recentRuns({});
    expect(service.recentRuns).toHaveBeenLastCalledWith(undefined);
    await h.readLedger({ path: '/r', limit: 5 });
    expect(service.readLedger).toHaveBeenLastCalledWith('/r', { limit: 5 });
    await h.readLedger({ path: '/r', limit: 5, fromEnd: true });
    expect(service.readLedger).toHaveBeenLastCalledWith('/r', { limit: 5, fromEnd: true });
    await h.migrateKey({ fromUri: 'pkcs11:a', toUri: 'pkcs11:b', destroySource: ['A'] });
    expect(service.migrate).toHaveBeenLastCalledWith('pkcs11:a', 'pkcs11:b', {
      destroySource: ['A'],
    });
    await h.attestKey({ keyUri: 'pkcs11:k', acceptImported: false });
    expect(service.attestKey).toHaveBeenLastCalledWith('pkcs11:k', { acceptImported: false });
    await h.verifyManifest({ dir: '/run' });
    expect(service.verifyManifest).toHaveBeenLastCalledWith('/run');
    const q = await h.queryAudit({ path: '/r', key: 'k', limit: 5 });
    expect(service.queryAudit).toHaveBeenLastCalledWith('/r', { key: 'k' }, { limit: 5 });
    // Records leave main as headers and a summary: the data itself, and any field named like a
    // secret in it, stays behind.
    expect(q.records[0]).toEqual({
      seq: 1,
      time: '2026-03-01T09:00:00.000Z',
      actor: 'alice',
      step: null,
      type: 'key.generated',
      hash: 'a'.repeat(64),
      summary: 'label k',
    });
    expect(q.knownTypes).toContain('signature.created');
  });

  it('a ceremony run result names each key fingerprint in PGP words too', async () => {
    const spki = '00ff'.repeat(16);
    service.runCeremony.mockResolvedValueOnce({
      dir: '/run',
      ceremonyId: 'c',
      status: 'finished',
      ledger: { path: '/run/audit.jsonl', records: 1, head: 'a'.repeat(64), headWords: 'w' },
      keys: [
        { label: 'root', type: 'ec-p256', spkiSha256: spki },
        { label: 'kek', type: 'aes-256', spkiSha256: null },
      ],
      outputs: [],
    });
    const { runId } = await h.startCeremony({ scriptPath: '/s.yaml', dir: '/run' });
    await vi.waitFor(() => expect(runs.status(runId).state).toBe('finished'));
    const status = runs.status(runId);
    if (status.kind !== 'ceremony') throw new Error(status.kind);
    const words = status.result?.keys.map((k) => k.spkiWords);
    expect(words?.[0]?.split(' ')).toHaveLength(32);
    // 0x00 even is "aardvark", 0xff odd is "Yucatan": the word lists alternate by position.
    expect(words?.[0]).toMatch(/^aardvark Yucat.n aardvark/);
    expect(words?.[1]).toBeNull();
  });

  it('answers to questions no run asked are refused', async () => {
    await expect(h.signOff({ requestId: crypto.randomUUID(), name: 'W' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_INPUT,
    });
  });

  it('a run id no run has is refused', async () => {
    await expect(h.runStatus({ runId: crypto.randomUUID() })).rejects.toMatchObject({
      code: ErrorCode.INVALID_INPUT,
    });
  });
});
