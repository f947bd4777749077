// The calling thread helping the PKCS#11 threads on NSS softoken, not only SoftHSM (its profile
// says it computes in this process too): many signatures and verifications issued at once, some
// run on this thread, all answer right. Its own file: NSS loads once per process.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Two signers at most; with the calling thread helping, one of them is the calling thread. */
const SIGNERS = Math.min(2, availableParallelism());
const THREADS_HELPED = Math.max(1, SIGNERS - 1);
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { NSS_MODULE, NSS_USER_PIN } from '../helpers/nss';
import { pin } from '../helpers/softhsm';

const dir = mkdtempSync(join(tmpdir(), 'olocus-nss-caller-'));
const initArgs = `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`;
let p: Pkcs11Provider;

beforeAll(async () => {
  if (!NSS_MODULE) return;
  p = await Pkcs11Provider.open({
    modulePath: NSS_MODULE,
    initArgs,
    token: { token: 'NSS Certificate DB' },
    pool: { maxSessions: 16 },
  });
  await p.login(pin(''), 'so');
  await p.initUserPin(pin(NSS_USER_PIN));
  await p.logout();
  await p.login(pin(NSS_USER_PIN));
  await p.generateKeyPair('ec-p256', { label: 'nss-caller' });
});
afterAll(async () => {
  await p?.close();
  rmSync(dir, { recursive: true, force: true });
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
