// The wizard's store as main's events drive it: what an officer would see change (the share
// request, a refusal naming the custodian, the witness sign-offs, the cards, the ledger) and
// what must never be there (share text, passphrases), with a fake window.olocus that delivers
// events exactly as the contract types them.
import { describe, expect, it } from 'vitest';
import type { EventOf, EventName, OlocusApi } from '../../src/shared/olocus-api';
import { createAppStore } from '../../src/renderer/src/store';
import { connectRunEvents, screenFor } from '../../src/renderer/src/store/connect';
import { mergeLedger } from '../../src/renderer/src/store/run-slice';
import { reattach, startRun } from '../../src/renderer/src/logic/start';

const RUN = '0b4f8a52-0c2c-4a47-9a55-3f7f0f3f9a01';
const OTHER = '6a1d3c55-5d6b-4f0e-8d43-0c2e9f0e7b12';
const REQ = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
const officers = ['Alice Archer', 'Bob Baker', 'Carol Chen', 'Dave Diaz', 'Erin Evans'];

type Listener = (p: unknown) => void;

/** A window.olocus whose events the test fires, and whose calls it records. */
function fakeApi(opts: { startDelay?: Promise<void>; open?: unknown[] } = {}) {
  const listeners = new Map<string, Set<Listener>>();
  const calls: { name: string; request: unknown }[] = [];
  const on = (name: EventName) => (l: Listener) => {
    const set = listeners.get(name) ?? new Set();
    set.add(l);
    listeners.set(name, set);
    return () => set.delete(l);
  };
  const api = {
    onRunProgress: on('runProgress'),
    onRunLedgerAppended: on('runLedgerAppended'),
    onRunShareNeeded: on('runShareNeeded'),
    onRunWitnessNeeded: on('runWitnessNeeded'),
    onRunPassphraseNeeded: on('runPassphraseNeeded'),
    onRunCardsIssued: on('runCardsIssued'),
    onRunRequestClosed: on('runRequestClosed'),
    onRunFinished: on('runFinished'),
    onRunCardHandOver: on('runCardHandOver'),
    startCeremony: async (request: unknown) => {
      calls.push({ name: 'startCeremony', request });
      await opts.startDelay;
      return { ok: true, value: { runId: RUN } };
    },
    runStatus: async (request: unknown) => {
      calls.push({ name: 'runStatus', request });
      return {
        ok: true,
        value: { runId: RUN, kind: 'ceremony', state: 'running', open: opts.open ?? [] },
      };
    },
  } as unknown as OlocusApi;
  const fire = <K extends EventName>(name: K, payload: EventOf<K>) => {
    for (const l of listeners.get(name) ?? []) l(payload);
  };
  const count = () => [...listeners.values()].reduce((n, s) => n + s.size, 0);
  return { api, fire, calls, count };
}

function shareNeeded(
  requestId: string,
  presented: string[],
  refused?: string,
): EventOf<'runShareNeeded'> {
  return {
    runId: RUN,
    requestId,
    secretId: 'token-pins',
    purpose: 'logging in to the ceremony token',
    custodians: officers,
    presented,
    need: 3,
    ...(refused ? { refused } : {}),
  };
}

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    dump: () => [...m.entries()],
  };
}

describe('the wizard store follows a run', () => {
  it('shows the share request, then the refusal naming the custodian, then progress to 3 of 3, and moves to the Quorum screen', async () => {
    const store = createAppStore();
    const f = fakeApi();
    connectRunEvents(f.api, store);
    store.setState({ outDir: '/runs/a', scriptPath: '/s.yaml' });
    expect(await startRun(f.api, store, null)).toBe(true);
    expect(store.getState().screen).toBe('home');

    f.fire('runShareNeeded', shareNeeded(REQ[0]!, []));
    expect(store.getState().screen).toBe('quorum');
    expect(store.getState().shareAsk?.presented).toEqual([]);

    f.fire('runRequestClosed', { runId: RUN, requestId: REQ[0]!, reason: 'answered' });
    expect(store.getState().shareAsk).toBeNull();
    const why =
      "Bob Baker's share was refused: Line 1 of the share does not match its check characters";
    f.fire('runShareNeeded', shareNeeded(REQ[1]!, ['Alice Archer'], why));
    expect(store.getState().shareAsk?.refused).toBe(why);
    expect(store.getState().shareAsk?.presented).toEqual(['Alice Archer']);
  });

  it('keeps events that arrive before the start reply and applies those of its own run only', async () => {
    let release!: () => void;
    const f = fakeApi({ startDelay: new Promise<void>((r) => (release = r)) });
    const store = createAppStore();
    connectRunEvents(f.api, store);
    store.setState({ outDir: '/runs/b', scriptPath: '/s.yaml' });
    const started = startRun(f.api, store, null);
    f.fire('runProgress', {
      runId: RUN,
      stepId: 'init-token',
      kind: 'progress',
      message: 'Step 1 of 5',
    });
    f.fire('runProgress', {
      runId: OTHER,
      stepId: null,
      kind: 'progress',
      message: 'someone else',
    });
    expect(store.getState().progress).toEqual([]);
    release();
    await started;
    expect(store.getState().progress.map((p) => p.message)).toEqual(['Step 1 of 5']);
    f.fire('runProgress', {
      runId: OTHER,
      stepId: null,
      kind: 'progress',
      message: 'still someone else',
    });
    expect(store.getState().progress).toHaveLength(1);
  });

  it('lists witness sign-offs until each is closed, and sends the wizard to the audit timeline', async () => {
    const store = createAppStore();
    const f = fakeApi();
    connectRunEvents(f.api, store);
    store.setState({ outDir: '/runs/c', scriptPath: '/s.yaml' });
    await startRun(f.api, store, null);
    f.fire('runWitnessNeeded', {
      runId: RUN,
      requestId: REQ[0]!,
      stepId: 'init-token',
      title: 'Initialise the ceremony token',
      statement: 'The token was initialised and every officer received a share card.',
      witnesses: ['Walter Witness'],
    });
    expect(store.getState().screen).toBe('audit');
    expect(store.getState().witnessAsks.map((w) => w.stepId)).toEqual(['init-token']);
    f.fire('runRequestClosed', { runId: RUN, requestId: REQ[0]!, reason: 'answered' });
    expect(store.getState().witnessAsks).toEqual([]);
  });

  it('stays on the chosen screen when "follow the run" is off', async () => {
    const store = createAppStore();
    const f = fakeApi();
    connectRunEvents(f.api, store);
    store.setState({ outDir: '/runs/d', scriptPath: '/s.yaml', followRun: false, screen: 'hsm' });
    await startRun(f.api, store, null);
    f.fire('runShareNeeded', shareNeeded(REQ[0]!, []));
    expect(store.getState().screen).toBe('hsm');
    expect(store.getState().shareAsk).not.toBeNull();
  });

  it('collects each issued card once, and the ledger by seq without duplicates', async () => {
    const store = createAppStore();
    const f = fakeApi();
    connectRunEvents(f.api, store);
    store.setState({ outDir: '/runs/e', scriptPath: '/s.yaml' });
    await startRun(f.api, store, null);
    const cards = officers.map((c) => ({
      secretId: 'token-pins',
      custodian: c,
      card: `shares/${c}.pdf`,
    }));
    f.fire('runCardsIssued', { runId: RUN, cards });
    f.fire('runCardsIssued', { runId: RUN, cards: cards.slice(0, 2) });
    expect(store.getState().cards).toHaveLength(5);
    expect(store.getState().screen).toBe('keys');
    const row = (seq: number) => ({
      runId: RUN,
      seq,
      time: '2026-11-29T10:00:00Z',
      actor: 'Ada',
      step: null,
      type: 't',
      hash: `h${seq}`,
    });
    f.fire('runLedgerAppended', row(2));
    f.fire('runLedgerAppended', row(1));
    f.fire('runLedgerAppended', row(2));
    expect(store.getState().ledger.map((r) => r.seq)).toEqual([1, 2]);
    expect(mergeLedger([{ ...row(1), summary: 'started' }], [row(1)])[0]?.summary).toBe('started');
  });

  it('on runFinished closes every question and asks runStatus for the result', async () => {
    const store = createAppStore();
    const f = fakeApi();
    connectRunEvents(f.api, store);
    store.setState({ outDir: '/runs/f', scriptPath: '/s.yaml' });
    await startRun(f.api, store, null);
    f.fire('runShareNeeded', shareNeeded(REQ[0]!, []));
    f.fire('runFinished', { runId: RUN, state: 'failed' });
    expect(store.getState().runState).toBe('failed');
    expect(store.getState().shareAsk).toBeNull();
    await Promise.resolve();
    expect(f.calls.filter((c) => c.name === 'runStatus')).toEqual([
      { name: 'runStatus', request: { runId: RUN } },
    ]);
    // A failed run does not send the wizard to the report.
    expect(screenFor('runFinished', { runId: RUN, state: 'failed' })).toBeNull();
    expect(screenFor('runFinished', { runId: RUN, state: 'finished' })).toBe('report');
  });

  it('unsubscribes from every event it subscribed to', () => {
    const f = fakeApi();
    const off = connectRunEvents(f.api, createAppStore());
    expect(f.count()).toBe(9);
    off();
    expect(f.count()).toBe(0);
  });
});

describe('what the wizard keeps', () => {
  it('has no field holding share text or a passphrase, whatever events arrive', async () => {
    const store = createAppStore();
    const f = fakeApi();
    connectRunEvents(f.api, store);
    store.setState({ outDir: '/runs/g', scriptPath: '/s.yaml' });
    await startRun(f.api, store, null);
    f.fire('runShareNeeded', shareNeeded(REQ[0]!, []));
    f.fire('runPassphraseNeeded', {
      runId: RUN,
      requestId: REQ[1]!,
      reason: 'seal',
      secretId: 'token-pins',
      custodian: 'Alice Archer',
    });
    const keys = Object.keys(store.getState());
    expect(keys.filter((k) => /share(text)?$|passphrase$|pin$|secret$/i.test(k))).toEqual([]);
    expect(JSON.stringify(store.getState().passphraseAsk)).not.toMatch(/"passphrase"\s*:/);
  });

  it('persists theme and large type only, and reads damaged settings as the defaults', () => {
    const storage = memoryStorage();
    const store = createAppStore(storage);
    store.getState().setTheme('dark');
    store.getState().setLargeType(true);
    store.setState({ scriptPath: '/secret/place.yaml', outDir: '/runs/h' });
    store.getState().setTheme('light');
    expect(storage.dump()).toEqual([['olocus.settings', '{"theme":"light","largeType":true}']]);
    expect(createAppStore(storage).getState()).toMatchObject({ theme: 'light', largeType: true });
    storage.setItem('olocus.settings', '{"theme":"neon","largeType":"yes"');
    expect(createAppStore(storage).getState()).toMatchObject({ theme: 'system', largeType: false });
  });

  it('remembers the run id for a reload, and nothing else, in session storage', async () => {
    const session = memoryStorage();
    const store = createAppStore();
    const f = fakeApi();
    store.setState({ outDir: '/runs/i', scriptPath: '/s.yaml' });
    await startRun(f.api, store, session);
    expect(session.dump()).toEqual([['olocus.runId', RUN]]);
  });

  it('after a reload, asks main what the remembered run still has open and shows it', async () => {
    const session = memoryStorage();
    session.setItem('olocus.runId', RUN);
    const open = [
      { ask: 'share', ...shareNeeded(REQ[0]!, ['Alice Archer']), runId: undefined },
      {
        ask: 'witness',
        requestId: REQ[1]!,
        stepId: 'root-key',
        title: 'Generate the root CA key',
        statement: 'The key was generated.',
        witnesses: ['Walter Witness'],
      },
    ];
    const f = fakeApi({ open });
    const store = createAppStore();
    expect(await reattach(f.api, store, session)).toBe(true);
    expect(store.getState()).toMatchObject({ runId: RUN, runState: 'running' });
    expect(store.getState().shareAsk?.presented).toEqual(['Alice Archer']);
    expect(store.getState().witnessAsks.map((w) => w.stepId)).toEqual(['root-key']);
    // Nothing remembered: nothing asked.
    expect(await reattach(f.api, createAppStore(), memoryStorage())).toBe(false);
    expect(f.calls.filter((c) => c.name === 'runStatus')).toHaveLength(1);
  });
});
