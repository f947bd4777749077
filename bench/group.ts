// HSM groups: signing throughput of a two-member SoftHSM group, each member in its own process
// (cluster.member_host: process), against one member through the provider in this process (same
// in-flight depth, interleaved rounds; the two members in this process are shown too), and the longest pause in completed
// signatures when a member's token store is pulled mid-stream (with lost and duplicated counts).
import { readFileSync, renameSync } from 'node:fs';
import { loadavg } from 'node:os';
import { HsmGroup, openMemberProcess } from '../src/main/cluster/index';
import { Pkcs11Provider } from '../src/main/hsm/pkcs11/provider';
import { groupTokens, openMember } from '../test/helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../test/helpers/known-key';
import { alternateRounds, printRatio, ratios, spread } from './rounds';
import { startRawThreads } from './sign-ceilings';
import { SOFTHSM_MODULE } from './softhsm';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 0.5);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 16);
/** PKCS#11 worker threads in each member host (default 0: the host calls the module on its main thread). */
const MEMBER_THREADS = Number(process.env.BENCH_MEMBER_THREADS ?? 0);
/**
 * least-busy hands the requests a member's reply frees back to that member, so each member host
 * gets whole batches (8 calls a message at 16 in flight, against about 5 with round-robin, which
 * splits them between the members): fewer pipe messages a signature, the cost that dominates.
 */
const STRATEGY = (process.env.BENCH_STRATEGY ?? 'least-busy') as 'round-robin' | 'least-busy';

/** CPU seconds used so far by this process (all threads) and the given children. */
function cpuSeconds(pids: number[]): number {
  const u = process.cpuUsage();
  let s = (u.user + u.system) / 1e6;
  for (const pid of pids) {
    try {
      // utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 a second).
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      s += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      /* gone */
    }
  }
  return s;
}

/** Signatures per second with DEPTH requests kept in flight until the deadline. */
async function rate(sign: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  const deadline = start + ROUND_SECONDS * 1000;
  let n = 0;
  const lane = async () => {
    while (performance.now() < deadline) await sign(n++);
  };
  await Promise.all(Array.from({ length: DEPTH }, lane));
  return n / ((performance.now() - start) / 1000);
}

export async function run(): Promise<void> {
  const g = groupTokens(['bench-g1', 'bench-g2', 'bench-f1', 'bench-f2']);
  const anchor = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: 'bench-g1' },
  });
  const key = makeKeyPair('ec-p256');
  for (const t of ['bench-g1', 'bench-g2', 'bench-f1', 'bench-f2'])
    importKeyPair(t, '314159', 'k', key);
  const [g1, g2, f1, f2] = g.uris as [string, string, string, string];
  const data = Buffer.from('olocus group benchmark payload');

  const group = await HsmGroup.open({
    name: 'bench',
    members: [g1, g2],
    keyLabel: 'k',
    strategy: STRATEGY,
    open: openMember,
  });
  const hostPids: number[] = [];
  const hosted = await HsmGroup.open({
    name: 'bench-proc',
    members: [g1, g2],
    keyLabel: 'k',
    strategy: STRATEGY,
    open: async (a) => {
      // BENCH_MEMBER_THREADS=N gives each host N PKCS#11 worker threads (default: inline).
      const p = await openMemberProcess(a, MEMBER_THREADS ? { threads: MEMBER_THREADS } : {});
      hostPids.push(p.pid);
      return p;
    },
  });
  const single = await openMember(g1);
  // The ceiling: raw pkcs11js sync loops on two threads, no dispatch at all. Every member is a
  // SoftHSM token computing on this machine's two cores, so no group can sign faster than this.
  const rawThreads = await startRawThreads(2, {
    module: SOFTHSM_MODULE,
    token: 'bench-g1',
    key: 'k',
    data,
  });
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(
    `group benchmark: EC P-256 on SoftHSM, ${DEPTH} requests in flight, strategy ${STRATEGY}, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s; load average before: ${load()}`,
  );
  // Beside the rate, what each signature costs in CPU (this process, its threads and the member
  // hosts) and how many cores the figure kept busy: on a loaded machine the rate follows the
  // share of CPU the scheduler gives, these two show what the design itself costs and uses.
  const cost = { processes: [] as number[], inProcess: [] as number[], single: [] as number[] };
  /** Of the member-host figure, the CPU the hosts themselves used per signature. */
  const hostCost: number[] = [];
  const cores = { processes: [] as number[], inProcess: [] as number[], single: [] as number[] };
  const measured = async (n: keyof typeof cost, sign: () => Promise<unknown>) => {
    let count = 0;
    const c0 = cpuSeconds(hostPids);
    const h0 = cpuSeconds(hostPids) - cpuSeconds([]);
    const t0 = performance.now();
    const r = await rate(() => (count++, sign()));
    const cpu = cpuSeconds(hostPids) - c0;
    if (n === 'processes')
      hostCost.push(((cpuSeconds(hostPids) - cpuSeconds([]) - h0) / count) * 1e6);
    cost[n].push((cpu / count) * 1e6);
    cores[n].push(cpu / ((performance.now() - t0) / 1000));
    return r;
  };
  const figures = {
    processes: () => measured('processes', () => hosted.sign(data)),
    inProcess: () => measured('inProcess', () => group.sign(data)),
    single: () => measured('single', () => single.sign({ label: 'k', class: 'private' }, data)),
    ceiling: async () => {
      const t0 = performance.now();
      const n = await rawThreads.run(t0 + ROUND_SECONDS * 1000);
      return n / ((performance.now() - t0) / 1000);
    },
  };
  const r = await alternateRounds(
    ['processes', 'single', 'inProcess', 'ceiling'] as const,
    ROUNDS,
    (n) => figures[n](),
  );
  for (const n of ['processes', 'inProcess', 'single'] as const) {
    console.log(
      `  ${n}: ${spread(cost[n]).median.toFixed(0)} µs of CPU a signature, ${spread(cores[n]).median.toFixed(2)} cores busy${n === 'processes' ? ` (the member hosts ${spread(hostCost).median.toFixed(0)} µs of it)` : ''}`,
    );
  }
  console.log(
    `  two members each in its own process ${spread(r.processes).median.toFixed(0)}/s, two members in this process ${spread(r.inProcess).median.toFixed(0)}/s, one member through the provider ${spread(r.single).median.toFixed(0)}/s`,
  );
  printRatio('group.batch2_vs_single', spread(ratios(r.processes, r.single)));
  printRatio('group.batch2_inprocess_vs_single', spread(ratios(r.inProcess, r.single)));
  // Not a target: the most any group of members on this machine could reach over one member
  // (raw sync loops on two threads, against the single member through the provider).
  printRatio('group.ref_ceiling_vs_single', spread(ratios(r.ceiling, r.single)));
  console.log(`  ceiling (raw sync on two threads) ${spread(r.ceiling).median.toFixed(0)}/s`);
  console.log(`  load average after: ${load()} (2 cores, shared machine)`);
  await rawThreads.close();
  await single.close();
  await group.close();
  await hosted.close();

  // Failover gap: a steady stream; one member's store is pulled a second in.
  const fo = await HsmGroup.open({
    name: 'bench-fo',
    members: [f1, f2],
    keyLabel: 'k',
    open: openMember,
  });
  const store = g.stores.get('bench-f2')!;
  const done: number[] = [];
  let errors = 0;
  let next = 0;
  const total = Number(process.env.BENCH_FAILOVER_REQUESTS ?? 4000);
  const start = performance.now();
  let pulled = false;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      if (!pulled && performance.now() - start > 300) {
        pulled = true;
        renameSync(store, `${store}.away`);
      }
      try {
        await fo.sign(Buffer.from(`request ${i}`));
        done.push(performance.now());
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: DEPTH }, lane));
  renameSync(`${store}.away`, store);
  let gap = 0;
  for (let i = 1; i < done.length; i++) gap = Math.max(gap, done[i]! - done[i - 1]!);
  const signed = fo.report().reduce((n, m) => n + m.signed, 0);
  console.log(`ratio group.failover_gap_ms ${gap.toFixed(1)}`);
  console.log(
    `  ${total} requests: ${done.length} signed, ${errors} lost, ${signed - done.length} duplicated; member states ${fo
      .report()
      .map((m) => `${m.name}=${m.state}`)
      .join(', ')}`,
  );
  await fo.close();
  await anchor.close();
}
