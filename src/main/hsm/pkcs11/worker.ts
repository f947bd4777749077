// A PKCS#11 worker thread: it runs compound operations (worker-ops.ts) with pkcs11js's
// synchronous calls. Sync calls on a few threads beat pkcs11js's Async calls (one libuv hop per
// call) and keep the main thread's event loop free. PKCS#11 handles and login state are
// process-wide, so any thread may use any session that the pool hands it.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { Request, WorkerInit } from './protocol';
import { loadModule, serveBatch } from './worker-ops';

const init = workerData as WorkerInit;
const host = loadModule(init);
const replies = init.replies ?? parentPort!;
parentPort!.postMessage({ ready: host.initError === null, error: host.initError });

function serve(batch: Request[]): void {
  replies.postMessage(serveBatch(host, batch));
}

// After a lone request, the thread polls briefly for the next one before it sleeps: a caller
// that signs in a loop sends its next request within microseconds, and waking a sleeping thread
// costs more than the sign itself on a fast token. Batches of several requests mean many callers
// and busy cores, where polling would only take CPU from the main thread.
const LINGER_MS = 0.2;

parentPort!.on('message', (batch: Request[]) => {
  serve(batch);
  if (batch.length !== 1) return;
  let until = performance.now() + LINGER_MS;
  while (performance.now() < until) {
    const next = receiveMessageOnPort(parentPort!);
    if (!next) continue;
    const more = next.message as Request[];
    serve(more);
    if (more.length !== 1) return;
    // Still one caller in a loop: stay awake for its next request too.
    until = performance.now() + LINGER_MS;
  }
});
