// The pieces of the PKCS#11 executor that concern its threads as such: where a worker's code is,
// how one is started, the hook the heap test uses before one stops, the error a call reports,
// and how a session handle is keyed (executor.ts schedules the work across them).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { WireError, WorkerInit } from './protocol';

export class Pkcs11CallError extends Error {
  readonly ckr: string | undefined;
  readonly rv: number | undefined;
  readonly op: string;
  readonly tainted: boolean;
  constructor(op: string, wire: WireError) {
    super(wire.message);
    this.name = 'Pkcs11CallError';
    this.op = op;
    this.ckr = wire.ckr;
    this.rv = wire.rv;
    this.tainted = wire.tainted === true;
  }
}

/**
 * Where the worker's code is. From sources (tests, tsx) it is worker.ts run through tsx; in a
 * build, each entry point ships `pkcs11-worker.js` beside itself and says so at start-up.
 */
let workerEntry: URL | null = null;

export function setPkcs11WorkerEntry(url: URL): void {
  workerEntry = url;
}

/**
 * Called with each worker thread just before it is stopped, while its heap still exists: the
 * heap test snapshots the thread here to search it for PINs and shares. Null by default.
 */
let retireHook: ((worker: Worker) => Promise<void>) | null = null;

export function setPkcs11WorkerRetireHook(hook: ((worker: Worker) => Promise<void>) | null): void {
  retireHook = hook;
}

export function retireHookNow(): ((worker: Worker) => Promise<void>) | null {
  return retireHook;
}

export function createWorker(workerData: WorkerInit, transferList: MessagePort[]): Worker {
  const here = new URL(import.meta.url);
  if (!workerEntry && here.pathname.endsWith('.ts')) {
    // Running from sources: a worker thread does not inherit the TypeScript loader, so the
    // thread registers tsx itself before importing worker.ts.
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
    const src = new URL('./worker.ts', here).href;
    const boot = `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(src)}, ${JSON.stringify(src)}));`;
    return new Worker(boot, { eval: true, workerData, transferList });
  }
  return new Worker(workerEntry ?? new URL('./pkcs11-worker.js', here), {
    workerData,
    transferList,
  });
}

/**
 * A session handle as a map key: its 8 bytes as a number while they fit one exactly (every
 * handle SoftHSM and NSS give), else as hex. Called for every operation, so no copy, no string.
 */
export function sessionKey(h: Uint8Array): SessionKey {
  if (h.byteLength === 8) {
    const v = new DataView(h.buffer, h.byteOffset, 8);
    const lo = v.getUint32(0, true);
    const hi = v.getUint32(4, true);
    if (hi < 0x200000) return hi * 0x1_0000_0000 + lo;
  }
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex');
}

export type SessionKey = number | string;
