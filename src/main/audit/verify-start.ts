// The worker thread of verify-parallel.ts, startable before the query knows it needs one: a
// worker takes ~90 ms to boot (its own Node and the verifier's modules), which the CLI can
// overlap with its own start-up by starting one as soon as it sees `audit query` on a large
// file. This module imports only Node's, so loading it costs the CLI nothing it would not pay.
// The worker waits for its task by message; a worker started and never given one is ended.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Below this a second thread costs more to start than it saves. */
export const PARALLEL_FROM_BYTES = 16 << 20;

/**
 * Whether a second thread would run beside this one: two cores or more, and fewer runnable
 * tasks than cores over the last minute. On a saturated machine the second thread only adds
 * its start-up and a second warm-up of the hot loop (measured in docs/audit-query.md).
 */
export function spareCore(): boolean {
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0]! < cores;
}

/**
 * A new worker, waiting for its task: from sources (tests, tsx) verify-worker.ts through tsx; in
 * a build, each entry point ships `audit-verify-worker.js` beside its chunks.
 */
export function startSegmentWorker(): Worker {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) {
    // A worker thread does not inherit the TypeScript loader: the thread registers tsx itself.
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
    const src = new URL('./verify-worker.ts', here).href;
    const boot = `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(src)}, ${JSON.stringify(src)}));`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(new URL('./audit-verify-worker.js', here));
}

let early: Worker | null = null;

/** The size of the ledger a path names (a run folder names its audit.jsonl), or 0. */
function ledgerBytes(path: string): number {
  try {
    const info = statSync(path);
    return info.isDirectory() ? ledgerBytes(join(path, 'audit.jsonl')) : info.size;
  } catch {
    return 0;
  }
}

/**
 * Starts the worker now when one of `paths` (the command's words, before they are parsed) is a
 * ledger large enough to be verified in two threads and a core is free; verify-parallel.ts takes
 * it. It does not keep the process alive, and endEarlyWorker ends it if nothing took it.
 */
export function startEarlyWorker(
  paths: readonly string[],
  when: { minBytes: number; spare: () => boolean } = {
    minBytes: PARALLEL_FROM_BYTES,
    spare: spareCore,
  },
): void {
  if (early || !paths.some((p) => !p.startsWith('-') && ledgerBytes(p) >= when.minBytes)) return;
  if (!when.spare()) return;
  let w: Worker;
  try {
    w = startSegmentWorker();
  } catch {
    return; // verify-parallel.ts starts its own, or verifies in one thread
  }
  w.unref();
  // A worker that fails or ends before it is taken is not handed on (its report would never come).
  const drop = () => {
    if (early === w) early = null;
  };
  w.once('error', drop);
  w.once('exit', drop);
  early = w;
}

/** Whether a worker started early waits to be taken. */
export function earlyWorkerWaiting(): boolean {
  return early !== null;
}

/** The worker started early, if any (then it is the caller's), else a new one. */
export function takeSegmentWorker(): Worker {
  const w = early;
  early = null;
  if (!w) return startSegmentWorker();
  w.ref();
  return w;
}

/** Ends a worker started early that nothing took. */
export function endEarlyWorker(): void {
  void early?.terminate();
  early = null;
}
