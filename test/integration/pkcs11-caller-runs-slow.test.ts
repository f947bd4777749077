// A module that calls itself SoftHSM (so its profile lets the calling thread help) but signs
// slowly, as a module behind a slow link would: the faulty shim forwards to SoftHSM and sleeps
// 8 ms in each C_SignInit. The calling thread must notice after three slow signatures in a row,
// stop helping for good and send the rest to the PKCS#11 threads: every signature still
// verifies, and the event loop is never held for long. Its own file: the shim loads SoftHSM.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Two signers at most; with the calling thread helping, one of them is the calling thread. */
const SIGNERS = Math.min(2, availableParallelism());
const THREADS_HELPED = Math.max(1, SIGNERS - 1);
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { buildFaultyModule, faultyEnv } from '../helpers/faulty-module';
import { createToken, pin, useSoftHsm } from '../helpers/softhsm';

const work = mkdtempSync(join(tmpdir(), 'olocus-caller-slow-'));
let p: Pkcs11Provider;

beforeAll(async () => {
  useSoftHsm();
  const label = createToken('caller-slow').label;
  Object.assign(process.env, faultyEnv(0), { FAULTY_P11_SIGN_DELAY_MS: '8' });
  p = await Pkcs11Provider.open({
    modulePath: buildFaultyModule(work),
    token: { token: label },
    pool: { maxSessions: 16 },
  });
  await p.login(pin('123456'));
  await p.generateKeyPair('ec-p256', { label: 'k' });
});
afterAll(async () => {
  await p.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the calling thread stops helping a module slower than its profile says', () => {
  it('turns itself off after three slow signatures; all 60 verify; the loop keeps turning', async () => {
    expect(p.executorState()).toMatchObject({
      threads: THREADS_HELPED,
      callerRuns: true,
      callerRan: 0,
    });
    const pub = createPublicKey({
      key: Buffer.from(await p.publicKey({ label: 'k' })),
      format: 'der',
      type: 'spki',
    });
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const inputs = Array.from({ length: 60 }, (_, i) => Buffer.from(`slow ${i}`));
    const results = await Promise.all(
      inputs.map((d) => p.sign({ label: 'k', class: 'private' }, d)),
    );
    delay.disable();
    results.forEach((r, i) =>
      expect(
        verify('sha256', inputs[i]!, { key: pub, dsaEncoding: 'ieee-p1363' }, r.signature),
      ).toBe(true),
    );
    expect(p.executorState()).toEqual({ threads: THREADS_HELPED, callerRuns: false, callerRan: 3 });
    // Three 8 ms signatures on this thread, each in its own turn: no turn held much longer.
    expect(delay.max / 1e6).toBeLessThan(200);
  });
});
