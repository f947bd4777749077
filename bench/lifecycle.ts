// `audit query` over a 100,000-event ledger against `grep` of the same type string on the same
// file, both spawned as a user would run them, in interleaved rounds (rounds.ts). The query
// verifies the whole chain and 100 head signatures before it answers; grep only finds lines.
// A second figure times the service call in this process, to show what start-up costs.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAuditFilter, queryLedger, type AuditQueryResult } from '../src/main/audit';
import { writeGeneratedLedger } from '../test/helpers/generated-ledger';
import { alternateRounds, printRatio, ratios, spread } from './rounds';

const RECORDS = Number(process.env.BENCH_LIFECYCLE_RECORDS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TYPE = 'signature.created';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/olocus-ceremony.js');
const run$ = promisify(execFile);
const BIG = { maxBuffer: 1 << 30 };

async function timed<T>(body: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await body();
  return { ms: performance.now() - t0, value };
}

export async function run(): Promise<void> {
  if (!existsSync(join(ROOT, 'out/cli/index.js'))) {
    throw new Error('The lifecycle benchmark runs the built CLI: run `npm run build` first.');
  }
  const dir = mkdtempSync(join(tmpdir(), 'olocus-bench-lifecycle-'));
  try {
    const path = join(dir, 'audit.jsonl');
    const t0 = performance.now();
    const { records, bytes } = writeGeneratedLedger(path, RECORDS, 1000);
    const expected = records.filter((r) => r.type === TYPE).length;
    console.log(
      `lifecycle benchmark: ${RECORDS} records (${expected} ${TYPE}), ${(bytes / 1e6).toFixed(1)} MB, built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${ROUNDS} interleaved rounds after one warm-up`,
    );
    const filter = parseAuditFilter({ types: [TYPE] });
    const measures = {
      grep: async () => {
        const r = await timed(() => run$('grep', ['-F', `"type":"${TYPE}"`, path], BIG));
        const found = r.value.stdout.split('\n').filter(Boolean).length;
        if (found !== expected) throw new Error(`grep found ${found}, expected ${expected}`);
        return r.ms;
      },
      cli: async () => {
        const r = await timed(() =>
          run$(process.execPath, [CLI, 'audit', 'query', path, '--type', TYPE, '--json'], BIG),
        );
        const doc = JSON.parse(r.value.stdout) as AuditQueryResult;
        if (!doc.ok || doc.matched !== expected)
          throw new Error(`audit query found ${doc.matched} (ok ${doc.ok}), expected ${expected}`);
        return r.ms;
      },
      service: async () => {
        const r = await timed(() => queryLedger(path, filter));
        if (r.value.matched !== expected) throw new Error('in-process query miscounted');
        return r.ms;
      },
    };
    const series = await alternateRounds(['grep', 'cli', 'service'] as const, ROUNDS, (name) =>
      measures[name](),
    );
    for (const [name, label] of [
      ['grep', `grep -F '"type":"${TYPE}"' (spawned)`],
      ['cli', `olocus-ceremony audit query --type ${TYPE} --json (spawned)`],
      ['service', 'queryLedger in this process (verify + filter)'],
    ] as const) {
      const s = spread(series[name]);
      console.log(
        `${label.padEnd(64)} median ${s.median.toFixed(1).padStart(8)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)})`,
      );
    }
    printRatio('audit.query_vs_grep', spread(ratios(series.cli, series.grep)));
    printRatio('audit.query_inprocess_vs_grep', spread(ratios(series.service, series.grep)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
