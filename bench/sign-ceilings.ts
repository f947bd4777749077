// Reference figures for the pool: what this machine allows at all. On 2 cores the pool's
// 8-in-flight figure competes with its own main thread for CPU, so it is shown beside (e) raw
// sync loops on two threads with no coordination (the ceiling no pool can pass) and (f)
// pkcs11js's own Async calls with 8 in flight (the other way a Node program gets concurrency).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain JS so the thread needs no TypeScript loader; each thread opens its own session.
const LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const pkcs11js = require(workerData.pkcs11js);
const p = new pkcs11js.PKCS11();
p.load(workerData.module);
try { p.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK }); } catch { /* initialised by the provider */ }
const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === workerData.token);
const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
p.C_FindObjectsInit(session, [
  { type: pkcs11js.CKA_LABEL, value: workerData.key },
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
]);
const key = p.C_FindObjects(session, 1)[0];
p.C_FindObjectsFinal(session);
const mech = { mechanism: pkcs11js.CKM_ECDSA };
const data = Buffer.from(workerData.data);
parentPort.on('message', (deadline) => {
  let n = 0;
  while (performance.timeOrigin + performance.now() < deadline) {
    p.C_SignInit(session, mech, key);
    p.C_Sign(session, createHash('sha256').update(data).digest(), Buffer.alloc(64));
    n++;
  }
  parentPort.postMessage(n);
});
parentPort.postMessage('ready');
`;

export interface RawThreads {
  /** Ops done by all threads together, each signing in a sync loop until `deadline` (performance.now()). */
  run(deadline: number): Promise<number>;
  close(): Promise<void>;
}

export async function startRawThreads(
  count: number,
  target: { module: string; token: string; key: string; data: Uint8Array },
): Promise<RawThreads> {
  const require = createRequire(import.meta.url);
  const workerData = {
    ...target,
    data: Buffer.from(target.data),
    pkcs11js: require.resolve('pkcs11js'),
  };
  const threads = await Promise.all(
    Array.from({ length: count }, async () => {
      const w = new Worker(LOOP, { eval: true, workerData });
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      return w;
    }),
  );
  return {
    async run(deadline) {
      // Threads do not share performance.now()'s origin, so the deadline travels as wall time.
      const wall = performance.timeOrigin + deadline;
      const counts = await Promise.all(
        threads.map(
          (w) =>
            new Promise<number>((resolve) => {
              w.once('message', (n: number) => resolve(n));
              w.postMessage(wall);
            }),
        ),
      );
      return counts.reduce((a, b) => a + b, 0);
    },
    async close() {
      await Promise.all(threads.map((w) => w.terminate()));
    },
  };
}
