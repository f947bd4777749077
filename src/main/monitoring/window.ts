// The recent operations of each token, for the monitor's own threshold checks (p95 latency,
// error rate). Prometheus computes the same from the histograms over its own window; this one
// answers without a Prometheus, for the webhook outlet and the `--once` run.
import type { Operation } from './metrics';

interface Sample {
  at: number;
  token: string;
  operation: Operation;
  seconds: number;
  failed: boolean;
}

export interface WindowSummary {
  operations: number;
  errors: number;
  /** p95 latency in seconds per operation that ran in the window. */
  p95: Map<Operation, { seconds: number; count: number }>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export class SampleWindow {
  private samples: Sample[] = [];

  constructor(
    private readonly lengthMs: number,
    /** A bound on memory under heavy load: the oldest samples go first. */
    private readonly maxSamples = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(token: string, operation: Operation, seconds: number, failed: boolean): void {
    this.samples.push({ at: this.now(), token, operation, seconds, failed });
    if (this.samples.length > this.maxSamples) this.samples.splice(0, this.samples.length >> 1);
  }

  private prune(): void {
    const from = this.now() - this.lengthMs;
    let i = 0;
    while (i < this.samples.length && this.samples[i]!.at < from) i++;
    if (i > 0) this.samples.splice(0, i);
  }

  summary(token: string): WindowSummary {
    this.prune();
    const mine = this.samples.filter((s) => s.token === token);
    const byOp = new Map<Operation, number[]>();
    for (const s of mine) {
      const list = byOp.get(s.operation) ?? [];
      list.push(s.seconds);
      byOp.set(s.operation, list);
    }
    const p95 = new Map<Operation, { seconds: number; count: number }>();
    for (const [op, list] of byOp) {
      list.sort((a, b) => a - b);
      p95.set(op, { seconds: percentile(list, 95), count: list.length });
    }
    return { operations: mine.length, errors: mine.filter((s) => s.failed).length, p95 };
  }
}
