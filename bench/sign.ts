// Signing throughput on one SoftHSM EC P-256 key: raw pkcs11js (sync, and Async with one call in
// flight) against the provider (one caller, and 8 operations in flight), all in one run.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type * as Pkcs11Types from 'pkcs11js';
import { Pkcs11Provider } from '../src/main/hsm/pkcs11/provider';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from './softhsm';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const DATA = Buffer.from('olocus ceremony benchmark payload: sign me');

async function timed(
  label: string,
  body: (deadline: number) => Promise<number> | number,
): Promise<number> {
  const start = performance.now();
  const ops = await body(start + SECONDS * 1000);
  const rate = ops / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(44)} ${rate.toFixed(0).padStart(8)} ops/s`);
  return rate;
}

export async function run(): Promise<void> {
  useSoftHsm();
  const token = createToken('bench-sign');
  const provider = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: token.label },
    pool: { maxSessions: 8 },
  });
  await provider.login(pin(token.userPin));
  await provider.generateKeyPair('ec-p256', { label: 'bench-key' });

  // The raw baseline joins the same initialised library, as a second user in the process would.
  const require = createRequire(import.meta.url);
  const pkcs11js = require('pkcs11js') as typeof Pkcs11Types;
  const raw = new pkcs11js.PKCS11();
  raw.load(SOFTHSM_MODULE);
  try {
    raw.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch {
    /* already initialised by the provider's worker */
  }
  const slot = raw
    .C_GetSlotList(true)
    .find((s) => raw.C_GetTokenInfo(s).label.trim() === token.label)!;
  const session = raw.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  raw.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_LABEL, value: 'bench-key' },
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
  ]);
  const key = raw.C_FindObjects(session, 1)[0]!;
  raw.C_FindObjectsFinal(session);
  const mech = { mechanism: pkcs11js.CKM_ECDSA };
  const digest = () => createHash('sha256').update(DATA).digest();

  console.log(
    `sign benchmark: EC P-256 on SoftHSM, ${SECONDS}s per figure, ${provider ? 'provider threads: default' : ''}`,
  );
  const a = await timed('(a) raw pkcs11js sync loop', (deadline) => {
    let n = 0;
    while (performance.now() < deadline) {
      raw.C_SignInit(session, mech, key);
      raw.C_Sign(session, digest(), Buffer.alloc(64));
      n++;
    }
    return n;
  });
  const b = await timed('(b) raw pkcs11js C_SignAsync, 1 in flight', async (deadline) => {
    let n = 0;
    while (performance.now() < deadline) {
      raw.C_SignInit(session, mech, key);
      await raw.C_SignAsync(session, digest(), Buffer.alloc(64));
      n++;
    }
    return n;
  });
  const c = await timed('(c) provider, one caller', async (deadline) => {
    let n = 0;
    while (performance.now() < deadline) {
      await provider.sign({ label: 'bench-key' }, DATA);
      n++;
    }
    return n;
  });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const d = await timed('(d) provider, 8 operations in flight', async (deadline) => {
    let n = 0;
    const lane = async () => {
      while (performance.now() < deadline) {
        await provider.sign({ label: 'bench-key' }, DATA);
        n++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    return n;
  });
  delay.disable();
  const p99 = delay.percentile(99) / 1e6;
  console.log(
    `event-loop delay during (d): p50 ${(delay.percentile(50) / 1e6).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${(delay.max / 1e6).toFixed(2)} ms`,
  );

  raw.C_CloseSession(session);
  await provider.close();
  console.log(`ratio sign.provider_vs_raw_async ${(c / b).toFixed(2)}`);
  console.log(`ratio sign.pool8_vs_raw_sync ${(d / a).toFixed(2)}`);
  console.log(`ratio sign.loop_delay_p99_ms ${p99.toFixed(2)}`);
}
