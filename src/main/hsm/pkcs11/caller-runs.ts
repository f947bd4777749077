// "Caller runs": when the PKCS#11 worker threads already hold enough work, a short operation on
// a software token runs on the calling thread instead of waiting for a thread hop. On a small
// machine the hop is the cost that dominates a fast token's signature: each batch wakes a
// sleeping thread and then the main thread for the reply, and with the main thread plus two
// workers on two cores every wake-up takes a core from a signature (measured in docs/hsm-pool.md).
// The calling thread signs in slices of at most `budgetMs` and then yields, so its event loop
// stays responsive; only operations of modules that compute in this process on the CPU (vendor
// profile `inProcess`: SoftHSM, NSS softoken) are eligible, since a network or USB module can
// block a call for as long as its timeout; and three operations in a row slower than `slowMs`
// switch the helper off for good, whatever the profile said (one slow one is the scheduler
// preempting this thread on a busy machine, not the module).
import { serveBatch, type OpsHost } from './worker-ops';
import type { OpName, Reply, Request } from './protocol';

/** Operations short enough to run on the calling thread: one *Init and one call, no keys made. */
export const CALLER_RUNS_OPS: ReadonlySet<OpName> = new Set<OpName>(['sign', 'verify']);

export interface CallerRunsOptions {
  /** Longest the calling thread runs operations before it yields to its event loop. */
  budgetMs: number;
  /** Operations this slow, three in a row, turn the helper off (the module is slower than its profile says). */
  slowMs: number;
  /** Requests in flight on each worker thread before the calling thread takes one itself. */
  feed: number;
}

const SLOW_IN_A_ROW = 3;

export const DEFAULT_CALLER_RUNS: CallerRunsOptions = { budgetMs: 1, slowMs: 5, feed: 4 };

type Queued =
  | {
      request: Request;
      settle: (reply: Reply) => void;
      /** Sends the operation to a thread instead, once this helper has switched itself off. */
      elsewhere: () => void;
    }
  /** An operation this helper does not run, queued behind ones it holds for the same session. */
  | { forward: () => void };

export class CallerRuns {
  private readonly queue: Queued[] = [];
  private scheduled = false;
  private off = false;
  private slowInARow = 0;
  /** Operations run on the calling thread so far. */
  ran = 0;

  constructor(
    private readonly host: OpsHost,
    readonly options: CallerRunsOptions,
    private readonly schedule: (drain: () => void) => void,
    /** Settles replies the threads have sent; true when there were any. */
    private readonly takeReplies: () => boolean = () => false,
  ) {}

  get enabled(): boolean {
    return !this.off;
  }

  /** Queues an operation to run on this thread at the next turn. */
  push(request: Request, settle: (reply: Reply) => void, elsewhere: () => void): void {
    this.queue.push({ request, settle, elsewhere });
    this.wake();
  }

  /**
   * Queues an operation this helper does not run (not short, or the helper is off) behind the
   * ones already queued on its session, so that the session's operations keep their order.
   */
  pushForward(forward: () => void): void {
    this.queue.push({ forward });
    this.wake();
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.drain());
  }

  /** Runs queued operations for up to the budget, then yields; the rest run at the next turn. */
  drain(): void {
    this.scheduled = false;
    const stop = performance.now() + this.options.budgetMs;
    while (this.queue.length > 0) {
      const q = this.queue.shift()!;
      if ('forward' in q) {
        q.forward();
        continue;
      }
      if (this.off) {
        q.elsewhere();
        continue;
      }
      const t0 = performance.now();
      const [reply] = serveBatch(this.host, [q.request], false);
      const t1 = performance.now();
      this.ran++;
      this.slowInARow = t1 - t0 > this.options.slowMs ? this.slowInARow + 1 : 0;
      if (this.slowInARow >= SLOW_IN_A_ROW) this.off = true;
      q.settle(reply!);
      // A thread that has answered is idle until its callers send more, which they can only do
      // once this turn ends: end it now rather than after the whole slice.
      if ((this.takeReplies() || t1 >= stop) && this.queue.length > 0) {
        this.wake();
        return;
      }
    }
  }
}
