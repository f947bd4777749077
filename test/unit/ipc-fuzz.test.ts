// 10,000 malformed payloads through the registered IPC wrapper, on random channels, from a
// sender that passes the origin check (so the payload checks are what is tested). Every one
// must be answered with a validation error; nothing may throw out; no service method, and no
// run, may start; Object.prototype must come out unpolluted. Seeded, so a failure reproduces:
// OLOCUS_FUZZ_SEED=<n> picks the seed.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { INVOKE_NAMES, invokeChannel } from '../../src/shared/channels';
import type { InvokeName } from '../../src/shared/channels';
import { contract } from '../../src/shared/contract';
import { ErrorCode } from '../../src/shared/errors';
import { createHandlers } from '../../src/main/ipc/handlers';
import type { ServiceApi } from '../../src/main/ipc/handlers';
import { registerContract } from '../../src/main/ipc/register';
import type { IpcMainLike } from '../../src/main/ipc/register';
import { RunManager } from '../../src/main/service/run-manager';
import type { InvokeEventLike } from '../../src/main/ipc/sender';
import { VALID_REQUESTS } from './ipc-samples';

const COUNT = 10_000;
const SEED = Number(process.env.OLOCUS_FUZZ_SEED ?? 0x01c0c05);

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const str = (max: number) =>
    Array.from({ length: int(max) }, () => String.fromCharCode(int(0x2fff))).join('');
  return { next, int, pick, str };
}
const r = rng(SEED);

class Thing {
  text = 'x';
}

/** Values of every kind that structured clone, JSON or a hostile page could produce. */
function oddValue(): unknown {
  const pool: (() => unknown)[] = [
    () => r.int(1e9) - 5e8,
    () => r.next(),
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => -0,
    () => true,
    () => false,
    () => [],
    () => [r.str(8), r.int(9)],
    () => ({}),
    () => BigInt(r.int(1e6)),
    () => Symbol('x'),
    () => () => 'fn',
    () => new Date(),
    () => new Map([['a', 1]]),
    () => new Set([1]),
    () => new Uint8Array(16),
    () => new ArrayBuffer(8),
    () => /re/g,
    () => new Error('e'),
    () => Promise.resolve(1),
    () => new Thing(),
    () => nestedJunk(r.int(12) + 1),
  ];
  return r.pick(pool)();
}

function nestedJunk(depth: number): unknown {
  if (depth === 0) return r.pick<unknown>([r.str(10), r.int(100), null, true, []]);
  return r.next() < 0.5
    ? [nestedJunk(depth - 1), nestedJunk(depth - 1)]
    : { [r.str(6) || 'k']: nestedJunk(depth - 1), __proto__x: 1 };
}

const valid = (name: InvokeName) =>
  structuredClone(VALID_REQUESTS[name]) as Record<string, unknown>;
const keysOf = (name: InvokeName) => Object.keys(VALID_REQUESTS[name]);
/**
 * A field of the sample to spoil, or null for a channel whose request has no field (appInfo):
 * a strategy then adds a field instead, which a strict request refuses just the same.
 */
const fieldOf = (name: InvokeName): string | null => {
  const keys = keysOf(name);
  return keys.length ? r.pick(keys) : null;
};
const isPlainObject = (v: unknown) =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
const withExtra = (p: Record<string, unknown>, value: unknown) => [{ ...p, extra: value }];
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isAdmin',
  '',
  ' ',
  '\u0000',
  'a'.repeat(300),
];

/** Each strategy returns the argument list and is built to be invalid, whatever it picks. */
const strategies: Record<string, (name: InvokeName) => unknown[]> = {
  notAnObject: () => [r.pick<unknown>([null, undefined, 0, '', 'payload', r.str(40), true])],
  oddTopLevel: (name) => {
    // `{}` is a whole valid request for appInfo (and recentRuns): draw again until it is not.
    let v: unknown;
    do v = oddValue();
    while (isPlainObject(v) && contract[name].request.safeParse(v).success);
    return [v];
  },
  arrayOfValid: (name) => [[valid(name)]],
  argCount: (name) => (r.next() < 0.3 ? [] : [valid(name), valid(name)]),
  extraKey: (name) => {
    const p = valid(name);
    Object.defineProperty(p, r.pick(HOSTILE_KEYS.concat(r.str(12) || 'zz')), {
      value: oddValue() ?? 1,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return [p];
  },
  protoPollution: (name) => {
    const body = JSON.stringify(valid(name)).slice(0, -1);
    const sep = body.length > 1 ? ',' : '';
    const evil = r.pick([
      '"__proto__":{"polluted":true}',
      '"constructor":{"prototype":{"polluted":true}}',
      '"__proto__":{"__proto__":{"polluted":true}}',
    ]);
    return [JSON.parse(`${body}${sep}${evil}}`)];
  },
  nestedPollution: (name) => {
    const p = valid(name);
    const key = fieldOf(name);
    const evil: unknown = JSON.parse('{"__proto__":{"polluted":true},"text":"x"}');
    if (key === null) return withExtra(p, evil);
    p[key] = evil;
    return [p];
  },
  wrongType: (name) => {
    const p = valid(name);
    const key = fieldOf(name);
    if (key === null) return withExtra(p, oddValue() ?? 0);
    let v: unknown;
    do v = oddValue();
    while (
      v === null ||
      typeof v === typeof p[key] ||
      (typeof p[key] === 'object' && Array.isArray(v) === false && typeof v === 'object')
    );
    p[key] = v;
    return [p];
  },
  hugeString: (name) => {
    const p = valid(name);
    p[fieldOf(name) ?? 'extra'] = 'A'.repeat(20_000 + r.int(1_200_000));
    return [p];
  },
  nulInString: (name) => {
    const p = valid(name);
    const stringKeys = keysOf(name).filter((k) => typeof p[k] === 'string');
    if (stringKeys.length === 0) return [{ ...p, extra: '\0' }];
    const key = r.pick(stringKeys);
    p[key] = `${String(p[key]).slice(0, 10)}\0${r.str(5)}`;
    return [p];
  },
  missingRequired: (name) => {
    const p = valid(name);
    const shape = (
      contract[name].request as unknown as {
        shape: Record<string, { safeParse(v: unknown): { success: boolean } }>;
      }
    ).shape;
    const required = Object.keys(shape).filter((k) => !shape[k]!.safeParse(undefined).success);
    // Nothing required (appInfo, recentRuns): a missing field cannot spoil it; a stray one does.
    if (required.length === 0) return withExtra(p, r.str(8));
    delete p[r.pick(required)];
    return [p];
  },
  renamedKey: (name) => {
    const p = valid(name);
    const key = fieldOf(name);
    if (key === null) return [{ [r.pick(['hsmUri', 'path', 'root', ' '])]: 'x' }];
    const value = p[key];
    delete p[key];
    p[r.pick([key.toUpperCase(), `${key} `, ` ${key}`, `${key}\u200b`])] = value;
    return [p];
  },
  deepNesting: () => {
    let v: unknown = { a: 1 };
    for (let i = 0, n = 9 + r.int(200); i < n; i++) v = r.next() < 0.5 ? [v] : { hsmUri: v };
    return [v];
  },
  cyclic: (name) => {
    const p = valid(name);
    p[fieldOf(name) ?? 'self'] = p;
    return [p];
  },
  exoticObject: (name) => {
    const p = valid(name);
    const key = fieldOf(name) ?? 'extra';
    return [
      r.pick([
        () => Object.assign(Object.create({ inherited: 1 }), p),
        () => {
          const q = { ...p };
          Object.defineProperty(q, key, {
            enumerable: true,
            get() {
              throw new Error('getter ran');
            },
          });
          return q;
        },
        () => ({ ...p, [Symbol('s')]: 1 }),
        () =>
          new Proxy(p, {
            getPrototypeOf() {
              throw new Error('trap');
            },
          }),
        () => {
          const sparse: unknown[] = [];
          sparse[5] = 'x';
          return { ...p, [key]: sparse };
        },
      ])(),
    ];
  },
  manyKeys: (name) => {
    const p = valid(name);
    for (let i = 0; i < 3000; i++) p[`k${i}`] = i;
    return [p];
  },
};

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  const ipcMain: IpcMainLike = {
    handle: (c, l) => void handlers.set(c, l),
    removeHandler: (c) => void handlers.delete(c),
  };
  return { ipcMain, handlers };
}

describe('IPC fuzz', () => {
  const service = Object.fromEntries(
    (
      [
        'tokens',
        'listKeys',
        'generateKey',
        'checkConfig',
        'validateScript',
        'verifyAudit',
        'runCeremony',
        'rehearse',
        'demo',
        'drill',
        'appInfo',
        'recentRuns',
        'readLedger',
        'hsmHealth',
        'migrate',
        'attestKey',
        'verifyReport',
        'verifyManifest',
        'cloudInventory',
        'queryAudit',
        'groupStatus',
      ] satisfies (keyof ServiceApi)[]
    ).map((m) => [m, vi.fn()]),
  ) as Record<keyof ServiceApi, ReturnType<typeof vi.fn>>;
  const runs = new RunManager(() => {});
  const runSpies = (['start', 'status', 'cancel', 'answer'] as const).map((m) => vi.spyOn(runs, m));
  const { ipcMain, handlers } = fakeIpcMain();
  const log = vi.fn();
  registerContract(ipcMain, createHandlers(service as unknown as ServiceApi, runs), { log });
  const frame = { url: 'app://olocus/index.html' };
  const event: InvokeEventLike = { senderFrame: frame, sender: { mainFrame: frame } };

  const tally: Record<string, number> = {};
  afterAll(() => {
    console.log(`fuzz seed ${SEED}:`, JSON.stringify(tally));
  });

  it(`refuses ${COUNT} malformed payloads with a validation error and runs nothing`, async () => {
    const names = Object.keys(strategies);
    let refused = 0;
    for (let i = 0; i < COUNT; i++) {
      const channel = r.pick(INVOKE_NAMES);
      const strategy = r.pick(names);
      tally[strategy] = (tally[strategy] ?? 0) + 1;
      const args = strategies[strategy]!(channel);
      let answer: unknown;
      try {
        answer = await handlers.get(invokeChannel(channel))!(event, ...args);
      } catch (e) {
        throw new Error(`#${i} ${strategy} on ${channel} threw out of the wrapper: ${String(e)}`);
      }
      const a = answer as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
      if (
        a.ok !== false ||
        a.error?.code !== ErrorCode.INVALID_INPUT ||
        typeof a.error.message !== 'string'
      ) {
        throw new Error(
          `#${i} ${strategy} on ${channel} was not refused as invalid: ${JSON.stringify(answer)}`,
        );
      }
      // The answer crosses IPC by structured clone: it must be plain data.
      expect(structuredClone(answer)).toEqual(answer);
      refused++;
    }
    expect(refused).toBe(COUNT);
    for (const fn of Object.values(service)) expect(fn).not.toHaveBeenCalled();
    for (const spy of runSpies) expect(spy).not.toHaveBeenCalled();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // Every strategy was tried, many times.
    for (const s of names) expect(tally[s]).toBeGreaterThan(COUNT / names.length / 2);
  });

  it('the same wrapper still serves a valid request afterwards', async () => {
    service.validateScript!.mockResolvedValueOnce({
      file: '/c.yaml',
      sha256: 'a'.repeat(64),
      planText: 'plan',
      plan: {
        ceremony: { id: 'c', name: 'C', location: 'L' },
        hsm: 'pkcs11:',
        quorum: '2 of 3 officers',
        participants: { administrator: 'A', officers: ['B'], witnesses: [] },
        steps: [],
        targets: [],
      },
    });
    const answer = (await handlers.get(invokeChannel('validateScript'))!(
      event,
      VALID_REQUESTS.validateScript,
    )) as { ok: boolean };
    expect(answer.ok).toBe(true);
    expect(service.validateScript).toHaveBeenCalledTimes(1);
  });
});
