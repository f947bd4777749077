// The calling thread helping the PKCS#11 threads on NSS softoken, not only SoftHSM (its profile
// says it computes in this process too): many signatures and verifications issued at once, some
// run on this thread, all answer right. Its own file: NSS loads once per process.
import { createPublicKey, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { NSS_MODULE, openNss } from '../helpers/nss';

/** Two signers at most; with the calling thread helping, one of them is the calling thread. */
const SIGNERS = Math.min(2, availableParallelism());
const THREADS_HELPED = Math.max(1, SIGNERS - 1);
let p: Pkcs11Provider;

beforeAll(async () => {
  if (!NSS_MODULE) return;
  // More sessions than the worker takes before the calling thread helps.
  p = (await openNss({ pool: { maxSessions: 16 } })).provider;
  await p.generateKeyPair('ec-p256', { label: 'nss-caller' });
});
afterAll(async () => {
  await p?.close();
});

describe.skipIf(!NSS_MODULE)(
  'the calling thread helps NSS softoken when its threads are busy',
  () => {
    it('300 signatures and their verifications at once, some on this thread; all right', async () => {
      expect(p.executorState()).toMatchObject({ threads: THREADS_HELPED, callerRuns: true });
      const pub = createPublicKey({
        key: Buffer.from(await p.publicKey({ label: 'nss-caller' })),
        format: 'der',
        type: 'spki',
      });
      const inputs = Array.from({ length: 300 }, (_, i) => Buffer.from(`nss caller ${i}`));
      await Promise.all(
        inputs.map(async (d) => {
          const { signature } = await p.sign({ label: 'nss-caller', class: 'private' }, d);
          expect(verify('sha256', d, { key: pub, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
            true,
          );
          expect(await p.verify({ label: 'nss-caller' }, d, signature)).toBe(true);
        }),
      );
      expect(p.executorState().callerRan).toBeGreaterThan(0);
    });
  },
);
