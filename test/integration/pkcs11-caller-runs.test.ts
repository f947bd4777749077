// The calling thread helps a software token's PKCS#11 threads (hsm/pkcs11/caller-runs.ts): with
// more signatures in flight than the threads hold, some run here. What a user sees must not
// change: every signature verifies with the key's public half, verifications and key lookups
// mixed in on the same sessions still answer right, the event loop keeps turning, and
// OLOCUS_CALLER_RUNS=0 keeps every call on the threads. Its own file: a module is loaded once
// per process, and the switch is read when it loads.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Two signers at most; with the calling thread helping, one of them is the calling thread. */
const SIGNERS = Math.min(2, availableParallelism());
const THREADS_HELPED = Math.max(1, SIGNERS - 1);
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { CALLER_RUNS_ENV } from '../../src/main/hsm/pkcs11/module';
import { SITE_QUIRKS_ENV } from '../../src/main/hsm/vendor-site';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

let key: KeyObject;
let label = '';

beforeAll(async () => {
  useSoftHsm();
  label = createToken('caller-runs').label;
  const p = await open();
  await p.generateKeyPair('ec-p256', { label: 'k' });
  key = createPublicKey({
    key: Buffer.from(await p.publicKey({ label: 'k' })),
    format: 'der',
    type: 'spki',
  });
  await p.close();
});
afterAll(() => {
  delete process.env[CALLER_RUNS_ENV];
  delete process.env[SITE_QUIRKS_ENV];
});

async function open(): Promise<Pkcs11Provider> {
  const p = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: label },
    // More sessions than the two threads take before the calling thread helps (4 each).
    pool: { maxSessions: 16 },
  });
  await p.login(pin('123456'));
  return p;
}

/** `n` signatures issued at once, each checked against the public key. */
async function signMany(p: Pkcs11Provider, n: number): Promise<void> {
  const inputs = Array.from({ length: n }, (_, i) => Buffer.from(`caller-runs request ${i}`));
  const results = await Promise.all(inputs.map((d) => p.sign({ label: 'k', class: 'private' }, d)));
  const pub = key;
  results.forEach((r, i) =>
    expect(
      verify('sha256', inputs[i]!, { key: pub, dsaEncoding: 'ieee-p1363' }, r.signature),
      `signature ${i}`,
    ).toBe(true),
  );
}

describe('the calling thread helps a software token when its threads are busy', () => {
  it('signs 400 requests issued at once, some on this thread; each verifies', async () => {
    const p = await open();
    try {
      expect(p.executorState()).toMatchObject({
        threads: THREADS_HELPED,
        callerRuns: true,
        callerRan: 0,
      });
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      await signMany(p, 400);
      delay.disable();
      const s = p.executorState();
      expect(s.callerRuns).toBe(true);
      expect(s.callerRan).toBeGreaterThan(0);
      expect(s.callerRan).toBeLessThan(400);
      // It signs in slices of about a millisecond and then yields; a generous bound for a busy
      // CI machine, far below what signing 400 in one go on this thread would block (~25 ms+).
      expect(delay.percentile(50) / 1e6).toBeLessThan(20);
    } finally {
      await p.close();
    }
  });

  it('sign, verify and key lookups mixed on the same sessions all answer right', async () => {
    const p = await open();
    try {
      const pub = key;
      const work = Array.from({ length: 120 }, async (_, i) => {
        const data = Buffer.from(`mixed ${i}`);
        if (i % 3 === 2) {
          const keys = await p.listKeys({ label: 'k' });
          expect(keys.map((k) => k.class).sort()).toEqual(['private', 'public']);
          return;
        }
        const { signature } = await p.sign({ label: 'k', class: 'private' }, data);
        expect(verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
          true,
        );
        if (i % 3 === 1) {
          expect(await p.verify({ label: 'k' }, data, signature)).toBe(true);
          const other = Buffer.from(signature);
          other[5]! ^= 1;
          expect(await p.verify({ label: 'k' }, data, other)).toBe(false);
        }
      });
      await Promise.all(work);
      expect(p.executorState().callerRan).toBeGreaterThan(0);
    } finally {
      await p.close();
    }
  });

  /** Opens with `env` set, signs, and checks that nothing ran on the calling thread. */
  async function allOnThreads(env: Record<string, string>): Promise<void> {
    Object.assign(process.env, env);
    const p = await open();
    try {
      await signMany(p, 100);
      expect(p.executorState()).toEqual({ threads: SIGNERS, callerRuns: false, callerRan: 0 });
    } finally {
      await p.close();
      for (const k of Object.keys(env)) delete process.env[k];
    }
  }

  it(`${CALLER_RUNS_ENV}=0 keeps every call on the PKCS#11 threads`, () =>
    allOnThreads({ [CALLER_RUNS_ENV]: '0' }));

  it('a site file that withdraws inProcess for SoftHSM keeps every call on the threads', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'olocus-site-')), 'quirks.json');
    writeFileSync(file, JSON.stringify({ softhsm: { inProcess: null } }));
    return allOnThreads({ [SITE_QUIRKS_ENV]: file });
  });
});
