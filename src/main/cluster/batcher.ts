// The olocus-hsm batch processor: sign requests are collected into batches of up to
// max_batch_size, a partly filled batch leaves after max_wait_time, and at most
// max_concurrent_batches are in flight; the rest wait. Within a batch every request goes to the
// group at once, so the group's strategy spreads it over the members' session pools.

export interface BatchLimits {
  maxBatchSize: number;
  maxWaitTimeMs: number;
  maxConcurrentBatches: number;
}

interface Queued<T> {
  data: Uint8Array;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export class BatchSigner<T> {
  private pending: Queued<T>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly ready: Queued<T>[][] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly signOne: (data: Uint8Array) => Promise<T>,
    private readonly limits: BatchLimits,
    /** Called with each batch's results once the whole batch is done (for journaling). */
    private readonly onBatch?: (size: number) => void,
  ) {}

  /** Queues one request; resolves with its signature when its batch has run. */
  submit(data: Uint8Array): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ data, resolve, reject });
      if (this.pending.length >= this.limits.maxBatchSize) this.cut();
      else this.timer ??= setTimeout(() => this.cut(), this.limits.maxWaitTimeMs);
    });
  }

  /** Sends the partly filled batch now and waits until nothing is queued or in flight. */
  async flush(): Promise<void> {
    this.cut();
    while (this.inFlight > 0 || this.ready.length > 0 || this.pending.length > 0) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    this.ready.push(this.pending);
    this.pending = [];
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxConcurrentBatches && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.ready.length === 0) {
          for (const w of this.idleWaiters.splice(0)) w();
        }
      });
    }
  }

  private async run(batch: Queued<T>[]): Promise<void> {
    const settled = await Promise.allSettled(batch.map((q) => this.signOne(q.data)));
    this.onBatch?.(batch.length);
    settled.forEach((s, i) => {
      const q = batch[i]!;
      if (s.status === 'fulfilled') q.resolve(s.value);
      else q.reject(s.reason);
    });
  }
}
