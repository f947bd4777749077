// The batch processor's limits, with a signer that records what it was given: batches never
// exceed max_batch_size, a partial batch leaves after max_wait_time, and no more than
// max_concurrent_batches run at once.
import { describe, expect, it } from 'vitest';
import { BatchSigner } from '../../src/main/cluster/batcher';

function recorder(delayMs: number) {
  const log = { running: 0, peak: 0, calls: [] as string[] };
  const sign = async (d: Uint8Array) => {
    log.running++;
    log.peak = Math.max(log.peak, log.running);
    log.calls.push(Buffer.from(d).toString());
    await new Promise((r) => setTimeout(r, delayMs));
    log.running--;
    return `sig:${Buffer.from(d).toString()}`;
  };
  return { log, sign };
}

describe('BatchSigner', () => {
  it('cuts full batches at max_batch_size and runs at most max_concurrent_batches at once; each request gets its own result', async () => {
    const { log, sign } = recorder(20);
    const sizes: number[] = [];
    const b = new BatchSigner(
      sign,
      { maxBatchSize: 4, maxWaitTimeMs: 10_000, maxConcurrentBatches: 2 },
      (n) => sizes.push(n),
    );
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => b.submit(Buffer.from(String(i)))),
    );
    expect(results).toEqual(Array.from({ length: 16 }, (_, i) => `sig:${i}`));
    expect(sizes).toEqual([4, 4, 4, 4]);
    // Two batches of four in flight at once: eight requests, never more.
    expect(log.peak).toBe(8);
  });

  it('a partial batch leaves after max_wait_time, and flush sends it at once', async () => {
    const { sign } = recorder(0);
    const sizes: number[] = [];
    const b = new BatchSigner(
      sign,
      { maxBatchSize: 50, maxWaitTimeMs: 30, maxConcurrentBatches: 5 },
      (n) => sizes.push(n),
    );
    const t0 = Date.now();
    await Promise.all([b.submit(Buffer.from('a')), b.submit(Buffer.from('b'))]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(sizes).toEqual([2]);
    const p = b.submit(Buffer.from('c'));
    const t1 = Date.now();
    await b.flush();
    expect(await p).toBe('sig:c');
    expect(Date.now() - t1).toBeLessThan(25);
  });

  it('a failed request fails alone; the rest of its batch is signed', async () => {
    const b = new BatchSigner(
      async (d: Uint8Array) => {
        if (Buffer.from(d).toString() === 'bad') throw new Error('no');
        return 'ok';
      },
      { maxBatchSize: 3, maxWaitTimeMs: 5, maxConcurrentBatches: 1 },
    );
    const r = await Promise.allSettled(['x', 'bad', 'y'].map((s) => b.submit(Buffer.from(s))));
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
