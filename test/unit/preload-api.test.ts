// window.olocus: generated from the contract's channel lists, nothing more. The API builder is
// tested with a fake ipcRenderer; the built sandboxed preload (CommonJS) is run in a VM whose
// `require` knows only a fake `electron`, as a sandboxed preload's does.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import {
  EVENT_NAMES,
  INVOKE_NAMES,
  eventChannel,
  invokeChannel,
  subscriberName,
} from '../../src/shared/channels';
import type { OlocusApi } from '../../src/shared/olocus-api';
import { buildApi } from '../../src/preload/api';
import type { IpcRendererLike } from '../../src/preload/api';

function fakeIpcRenderer() {
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipc = {
    invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({
      ok: true,
      value: { channel, args },
    })),
    on: vi.fn((channel: string, l: (event: unknown, ...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    }),
    removeListener: vi.fn((channel: string, l: (event: unknown, ...args: unknown[]) => void) => {
      listeners.get(channel)?.delete(l);
    }),
  } satisfies IpcRendererLike;
  const emit = (channel: string, payload: unknown) => {
    for (const l of listeners.get(channel) ?? [])
      l({ sender: 'the ipcRenderer itself', ports: [] }, payload);
  };
  return { ipc, emit, listeners };
}

const EXPECTED_KEYS = [...INVOKE_NAMES, ...EVENT_NAMES.map(subscriberName)].sort();

describe('buildApi', () => {
  it('has one method per request channel and one subscription per event, nothing else', () => {
    const api = buildApi(fakeIpcRenderer().ipc);
    expect(Object.keys(api).sort()).toEqual(EXPECTED_KEYS);
    for (const k of Object.keys(api))
      expect(typeof (api as unknown as Record<string, unknown>)[k]).toBe('function');
    for (const generic of ['invoke', 'send', 'sendSync', 'on', 'ipcRenderer', 'postMessage']) {
      expect(api).not.toHaveProperty(generic);
    }
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('sends exactly one argument on the channel the contract names', async () => {
    const { ipc } = fakeIpcRenderer();
    const api = buildApi(ipc);
    const req = { hsmUri: 'pkcs11:' };
    await (api.tokens as (...a: unknown[]) => Promise<unknown>)(req, 'smuggled', { more: 1 });
    expect(ipc.invoke).toHaveBeenCalledWith(invokeChannel('tokens'), req);
    expect(ipc.invoke.mock.calls[0]).toHaveLength(2);
    for (const name of INVOKE_NAMES) {
      await (api[name] as (r: unknown) => Promise<unknown>)({});
      expect(ipc.invoke).toHaveBeenLastCalledWith(invokeChannel(name), {});
    }
  });

  it('listeners get the payload only, never the Electron event; unsubscribe stops them', () => {
    const { ipc, emit, listeners } = fakeIpcRenderer();
    const api: OlocusApi = buildApi(ipc);
    const seen: unknown[][] = [];
    const off = api.onRunProgress((...args: unknown[]) => seen.push(args));
    emit(eventChannel('runProgress'), { runId: 'r', message: 'm' });
    expect(seen).toEqual([[{ runId: 'r', message: 'm' }]]);
    off();
    off(); // twice is harmless
    emit(eventChannel('runProgress'), { runId: 'r', message: 'again' });
    expect(seen).toHaveLength(1);
    expect(listeners.get(eventChannel('runProgress'))?.size).toBe(0);
    expect(ipc.removeListener).toHaveBeenCalledTimes(1);
  });

  it('every event has its own channel', () => {
    const { ipc } = fakeIpcRenderer();
    const api = buildApi(ipc) as unknown as Record<string, (l: () => void) => () => void>;
    for (const name of EVENT_NAMES) {
      api[subscriberName(name)]!(() => {});
      expect(ipc.on).toHaveBeenLastCalledWith(eventChannel(name), expect.any(Function));
    }
  });

  it('refuses a listener that is not a function', () => {
    const api = buildApi(fakeIpcRenderer().ipc) as unknown as Record<
      string,
      (l: unknown) => unknown
    >;
    expect(() => api.onRunFinished!('not a function')).toThrow(TypeError);
  });
});

const BUILT = resolve('out/preload/index.cjs');

describe('the built preload (out/preload/index.cjs)', () => {
  it.skipIf(!existsSync(BUILT))(
    'is CommonJS that requires only electron and exposes exactly window.olocus',
    () => {
      const source = readFileSync(BUILT, 'utf8');
      expect(source).not.toMatch(/^\s*(import|export)\s/m);
      const required = [...source.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
      expect(new Set(required)).toEqual(new Set(['electron']));

      const exposed: [string, unknown][] = [];
      const { ipc } = fakeIpcRenderer();
      const electron = {
        contextBridge: {
          exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]),
        },
        ipcRenderer: ipc,
      };
      const module = { exports: {} };
      runInNewContext(source, {
        module,
        exports: module.exports,
        require: (id: string) => {
          if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
          return electron;
        },
      });
      expect(exposed.map(([k]) => k)).toEqual(['olocus']);
      expect(Object.keys(exposed[0]![1] as object).sort()).toEqual(EXPECTED_KEYS);
    },
  );
});
