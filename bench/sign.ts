// Signing throughput on one SoftHSM EC P-256 key: raw pkcs11js (sync, and Async with one call in
// flight) against the provider (one caller, and 8 operations in flight), in interleaved rounds.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type * as Pkcs11Types from 'pkcs11js';
import { Pkcs11Provider } from '../src/main/hsm/pkcs11/provider';
import { Monitor } from '../src/main/monitoring/monitor';
import { alternateRounds, printRatio, ratios, spread } from './rounds';
import { startRawThreads } from './sign-ceilings';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from './softhsm';

// Each figure is measured for ROUND_SECONDS in each of ROUNDS interleaved rounds (see rounds.ts).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 0.5);
const DATA = Buffer.from('olocus ceremony benchmark payload: sign me');

async function rate(body: (deadline: number) => Promise<number> | number): Promise<number> {
  const start = performance.now();
  const ops = await body(start + ROUND_SECONDS * 1000);
  return ops / ((performance.now() - start) / 1000);
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
  const rawThreads = await startRawThreads(2, {
    module: SOFTHSM_MODULE,
    token: token.label,
    key: 'bench-key',
    data: DATA,
  });
  const sessions8 = Array.from({ length: 8 }, () =>
    raw.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION),
  );
  // Monitoring on: every sign timed into the histogram and the alert window, and the monitor's
  // probes and threshold checks running every second beside the load.
  const monitor = new Monitor({
    metricsIntervalMs: 1_000,
    healthCheckIntervalMs: 1_000,
    thresholds: { latencySeconds: 0.5, errorRate: 0.01, poolUse: 0.8 },
    log: () => undefined,
  });
  const monitored = monitor.addToken(token.label, provider);
  await monitor.start();

  console.log(
    `sign benchmark: EC P-256 on SoftHSM, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s per figure (after one warm-up round)`,
  );
  const figures = {
    // (a) raw pkcs11js, sync loop
    rawSync: (deadline: number) => {
      let n = 0;
      while (performance.now() < deadline) {
        raw.C_SignInit(session, mech, key);
        raw.C_Sign(session, digest(), Buffer.alloc(64));
        n++;
      }
      return n;
    },
    // (b) raw pkcs11js C_SignAsync, one call in flight
    rawAsync: async (deadline: number) => {
      let n = 0;
      while (performance.now() < deadline) {
        raw.C_SignInit(session, mech, key);
        await raw.C_SignAsync(session, digest(), Buffer.alloc(64));
        n++;
      }
      return n;
    },
    // (c) the provider, one caller
    provider1: async (deadline: number) => {
      let n = 0;
      while (performance.now() < deadline) {
        await provider.sign({ label: 'bench-key' }, DATA);
        n++;
      }
      return n;
    },
    // (d) the provider, 8 operations in flight
    provider8: async (deadline: number) => {
      let n = 0;
      const lane = async () => {
        while (performance.now() < deadline) {
          await provider.sign({ label: 'bench-key' }, DATA);
          n++;
        }
      };
      await Promise.all(Array.from({ length: 8 }, lane));
      return n;
    },
    // (e) reference: raw sync loops on two threads, no coordination (the ceiling)
    raw2threads: (deadline: number) => rawThreads.run(deadline),
    // (f) reference: raw pkcs11js C_SignAsync, 8 in flight on 8 sessions
    rawAsync8: async (deadline: number) => {
      let n = 0;
      const lane = async (s: Buffer) => {
        while (performance.now() < deadline) {
          raw.C_SignInit(s, mech, key);
          await raw.C_SignAsync(s, digest(), Buffer.alloc(64));
          n++;
        }
      };
      await Promise.all(sessions8.map(lane));
      return n;
    },
    // (g) the provider under the monitor, 8 operations in flight
    monitored8: async (deadline: number) => {
      let n = 0;
      const lane = async () => {
        while (performance.now() < deadline) {
          await monitored.sign({ label: 'bench-key' }, DATA);
          n++;
        }
      };
      await Promise.all(Array.from({ length: 8 }, lane));
      return n;
    },
  };
  const p99s: number[] = [];
  const series = await alternateRounds(
    ['rawSync', 'rawAsync', 'provider1', 'provider8', 'raw2threads', 'rawAsync8', 'monitored8'] as const,
    ROUNDS,
    async (name, round) => {
      if (name !== 'provider8') return rate(figures[name]);
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const r = await rate(figures.provider8);
      delay.disable();
      if (round >= 0) p99s.push(delay.percentile(99) / 1e6);
      return r;
    },
  );
  const show = (label: string, values: number[]) => {
    const s = spread(values);
    console.log(
      `${label.padEnd(44)} median ${s.median.toFixed(0).padStart(6)} ops/s (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`,
    );
  };
  show('(a) raw pkcs11js sync loop', series.rawSync);
  show('(b) raw pkcs11js C_SignAsync, 1 in flight', series.rawAsync);
  show('(c) provider, one caller', series.provider1);
  show('(d) provider, 8 operations in flight', series.provider8);
  show('(e) reference: raw sync on 2 threads', series.raw2threads);
  show('(f) reference: raw C_SignAsync, 8 in flight', series.rawAsync8);
  show('(g) (d) with the monitor on', series.monitored8);

  await monitor.stop();
  for (const s of sessions8) raw.C_CloseSession(s);
  await rawThreads.close();
  raw.C_CloseSession(session);
  await provider.close();
  printRatio('sign.provider_vs_raw_async', spread(ratios(series.provider1, series.rawAsync)));
  printRatio('sign.pool8_vs_raw_sync', spread(ratios(series.provider8, series.rawSync)));
  // Not targets: what the machine allows. The pool cannot pass (e), and (f) is what Node's other
  // concurrent path gets with the same 8 operations in flight.
  printRatio(
    'sign.ref_raw2threads_vs_raw_sync',
    spread(ratios(series.raw2threads, series.rawSync)),
  );
  printRatio('sign.ref_raw_async8_vs_raw_sync', spread(ratios(series.rawAsync8, series.rawSync)));
  // Event-loop delay while 8 signatures are in flight: the median over rounds of each round's p99.
  printRatio('sign.loop_delay_p99_ms', spread(p99s));
  printRatio('sign.monitored_vs_plain', spread(ratios(series.monitored8, series.provider8)));
}
