// Runs PKCS#11 operations on a few worker threads. Requests issued in the same turn are sent to
// a worker as one batch, so many operations in flight cost few messages; the least busy worker
// takes the next batch. With `threads: 0` the operations run inline, on the calling thread: for
// a process that does nothing else (a group's member host), where a thread hop costs more than a
// fast token's signature and there is no event loop to keep free.
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Op, Reply, Request, WireError, WorkerInit } from './protocol';
import {
  createWorker,
  Pkcs11CallError,
  retireHookNow,
  sessionKey,
  type SessionKey,
} from './worker-thread';
import { loadModule, serveBatch } from './worker-ops';
import type { OpsHost } from './worker-ops';
export {
  Pkcs11CallError,
  sessionKey,
  setPkcs11WorkerEntry,
  setPkcs11WorkerRetireHook,
} from './worker-thread';
import {
  CALLER_RUNS_OPS,
  CallerRuns,
  DEFAULT_CALLER_RUNS,
  type CallerRunsOptions,
} from './caller-runs';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  op: string;
  /** The session's key in `busy`, when the operation runs on one. */
  session: SessionKey | null;
}

/** A session's operations in flight on a thread, and queued on the calling thread. */
interface Busy {
  lane: number;
  here: number;
  /** Of `here`, operations only passing through on their way to a thread. */
  forwards: number;
}

interface Lane {
  worker: Worker;
  /**
   * Where the thread's replies arrive: a port of its own rather than the worker's, so that the
   * calling thread can take a reply between two of its own operations (caller-runs.ts).
   */
  replies: MessagePort;
  inFlight: number;
  outbox: Request[];
  transfer: ArrayBuffer[];
  scheduled: boolean;
  pending: Map<number, Pending>;
}

export interface ExecutorOptions {
  modulePath: string;
  initArgs?: string;
  /** Worker threads (default: 1, module.ts adds more); 0 runs every operation on the calling thread. */
  threads?: number;
}

export class Pkcs11Executor {
  private readonly lanes: Lane[] = [];
  private readonly affinity = new Map<SessionKey, Lane>();
  private nextId = 1;
  private closed = false;
  private inline: OpsHost | null = null;
  private helper: CallerRuns | null = null;
  /** Operations in flight on each session: on a thread, or queued for the calling thread. */
  private readonly busy = new Map<SessionKey, Busy>();

  private constructor(readonly options: ExecutorOptions) {}

  static async start(options: ExecutorOptions): Promise<Pkcs11Executor> {
    const ex = new Pkcs11Executor(options);
    if (options.threads === 0) {
      const init: WorkerInit = { modulePath: options.modulePath, initialize: true };
      if (options.initArgs !== undefined) init.initArgs = options.initArgs;
      ex.inline = loadModule(init);
      if (ex.inline.initError) throw new Pkcs11CallError('load', ex.inline.initError);
      return ex;
    }
    const threads = Math.max(1, options.threads ?? 1);
    // The first thread initialises the module alone; the others join an initialised library.
    await ex.spawn(true);
    await Promise.all(Array.from({ length: threads - 1 }, () => ex.spawn(false)));
    return ex;
  }

  get threadCount(): number {
    return this.inline ? 0 : this.lanes.length;
  }

  /** Starts `n` more threads, which join the initialised library. */
  async addThreads(n: number): Promise<void> {
    if (this.inline || this.closed) return;
    await Promise.all(Array.from({ length: n }, () => this.spawn(false)));
  }

  private spawn(initialize: boolean): Promise<void> {
    const init: WorkerInit = { modulePath: this.options.modulePath, initialize };
    if (this.options.initArgs !== undefined) init.initArgs = this.options.initArgs;
    const channel = new MessageChannel();
    init.replies = channel.port2;
    const worker = createWorker(init, [channel.port2]);
    const lane: Lane = {
      worker,
      replies: channel.port1,
      inFlight: 0,
      outbox: [],
      transfer: [],
      scheduled: false,
      pending: new Map(),
    };
    return new Promise((resolve, reject) => {
      const onBoot = (msg: { ready: boolean; error: WireError | null }) => {
        if (!msg.ready) {
          void worker.terminate();
          reject(new Pkcs11CallError('load', msg.error ?? { message: 'the module did not start' }));
          return;
        }
        lane.replies.on('message', (replies: Reply[]) => this.settle(lane, replies));
        lane.replies.unref();
        worker.unref();
        this.lanes.push(lane);
        resolve();
      };
      worker.once('message', onBoot);
      worker.on('error', (err) => {
        this.failLane(lane, err);
        reject(err);
      });
      worker.on('exit', (code) =>
        this.failLane(lane, new Error(`PKCS#11 worker stopped (exit ${code})`)),
      );
    });
  }

  private failLane(lane: Lane, err: Error): void {
    const i = this.lanes.indexOf(lane);
    if (i >= 0) this.lanes.splice(i, 1);
    for (const p of lane.pending.values()) {
      if (p.session) this.done(p.session, 'lane');
      p.reject(new Pkcs11CallError(p.op, { message: err.message }));
    }
    lane.pending.clear();
  }

  private settle(lane: Lane, replies: Reply[]): void {
    for (const r of replies) {
      const p = lane.pending.get(r.id);
      if (!p) continue;
      lane.pending.delete(r.id);
      lane.inFlight--;
      if (p.session) this.done(p.session, 'lane');
      if (r.ok) p.resolve(r.value);
      else p.reject(new Pkcs11CallError(p.op, r.error));
    }
    if (lane.inFlight === 0) {
      lane.worker.unref();
      lane.replies.unref();
    }
  }

  /**
   * Lets the calling thread run short operations (caller-runs.ts) once the threads hold `feed`
   * each: for a module that computes in this process (vendor profile `inProcess`).
   */
  allowCallerRuns(options: Partial<CallerRunsOptions> = {}): boolean {
    if (this.inline || this.helper || this.closed) return this.helper !== null;
    const init: WorkerInit = { modulePath: this.options.modulePath, initialize: false };
    if (this.options.initArgs !== undefined) init.initArgs = this.options.initArgs;
    const host = loadModule(init);
    if (!host.p11) return false;
    // The threads' batches leave before this thread starts signing: a batch queued in the same
    // turn would otherwise wait for the whole slice while its thread sits idle.
    this.helper = new CallerRuns(
      host,
      { ...DEFAULT_CALLER_RUNS, ...options },
      (drain) =>
        setImmediate(() => {
          for (const lane of this.lanes) if (lane.scheduled) this.flush(lane);
          drain();
        }),
      () => this.takeReplies(),
    );
    return true;
  }

  /**
   * Settles the replies the threads have sent so far, without waiting for the event loop; true
   * when there were any (the calling thread then yields, so their callers can send more work).
   */
  private takeReplies(): boolean {
    let took = false;
    for (const lane of this.lanes) {
      for (let m = receiveMessageOnPort(lane.replies); m; m = receiveMessageOnPort(lane.replies)) {
        this.settle(lane, m.message as Reply[]);
        took = true;
      }
    }
    return took;
  }

  /** Operations the calling thread ran (0 without the helper). */
  get callerRan(): number {
    return this.helper?.ran ?? 0;
  }

  private done(session: SessionKey, where: 'lane' | 'here'): void {
    const b = this.busy.get(session);
    if (!b) return;
    b[where]--;
    if (b.lane === 0 && b.here === 0) this.busy.delete(session);
  }

  private mark(session: SessionKey, where: 'lane' | 'here'): Busy {
    let b = this.busy.get(session);
    if (!b) this.busy.set(session, (b = { lane: 0, here: 0, forwards: 0 }));
    b[where]++;
    return b;
  }

  /** Whether every thread already holds `feed` operations, so this thread should help. */
  private threadsFed(feed: number): boolean {
    for (const l of this.lanes) if (l.inFlight < feed) return false;
    return this.lanes.length > 0;
  }

  /**
   * Runs one operation. `transfer` lists standalone buffers (PINs) that are moved to the worker
   * rather than copied, so no copy of the secret stays behind on this thread.
   */
  call<T>(body: Op, transfer: ArrayBuffer[] = []): Promise<T> {
    const helper = this.helper;
    if (!helper || this.closed || !('session' in body)) return this.toLane<T>(body, transfer, null);
    // One session never runs two operations at once: an operation goes where the session's
    // operations in flight are, and only a session with none may start on this thread.
    const session = sessionKey(body.session);
    const b = this.busy.get(session);
    const short = helper.enabled && CALLER_RUNS_OPS.has(body.op);
    if (b && b.here > 0) {
      const here = this.mark(session, 'here');
      if (short && here.forwards === 0) return this.runHere<T>(helper, session, body);
      // Not for this thread, but queued here behind the session's earlier operations; from then
      // on the session's operations follow it to its thread, in order.
      here.forwards++;
      return new Promise<T>((resolve, reject) =>
        helper.pushForward(() => {
          here.forwards--;
          this.done(session, 'here');
          this.toLane<T>(body, transfer, session).then(resolve, reject);
        }),
      );
    }
    if (short && !b && this.threadsFed(helper.options.feed)) {
      this.mark(session, 'here');
      return this.runHere<T>(helper, session, body);
    }
    return this.toLane<T>(body, transfer, session);
  }

  private runHere<T>(helper: CallerRuns, session: SessionKey, body: Op): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      helper.push(
        { id: 0, body },
        (r) => {
          this.done(session, 'here');
          if (r.ok) resolve(r.value as T);
          else reject(new Pkcs11CallError(body.op, r.error));
        },
        () => {
          this.done(session, 'here');
          this.toLane<T>(body, [], session).then(resolve, reject);
        },
      ),
    );
  }

  /** Whether the calling thread still helps (false once it switched itself off, or never on). */
  get callerRunsOn(): boolean {
    return this.helper?.enabled ?? false;
  }

  private toLane<T>(body: Op, transfer: ArrayBuffer[], session: SessionKey | null): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new Pkcs11CallError(body.op, { message: 'the PKCS#11 module was closed' }),
      );
    if (this.inline) {
      const [r] = serveBatch(this.inline, [{ id: 0, body }]);
      return r!.ok
        ? Promise.resolve(r!.value as T)
        : Promise.reject(new Pkcs11CallError(body.op, r!.error));
    }
    const lane = this.laneFor(
      body,
      session ?? ('session' in body ? sessionKey(body.session) : null),
    );
    if (!lane)
      return Promise.reject(
        new Pkcs11CallError(body.op, { message: 'no PKCS#11 worker is running' }),
      );
    const id = this.nextId++;
    const chosen = lane;
    if (session) this.mark(session, 'lane');
    return new Promise<T>((resolve, reject) => {
      chosen.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        op: body.op,
        session,
      });
      chosen.outbox.push({ id, body });
      chosen.transfer.push(...transfer);
      if (chosen.inFlight++ === 0) {
        chosen.worker.ref();
        chosen.replies.ref();
      }
      if (!chosen.scheduled) {
        chosen.scheduled = true;
        // After the microtask queue drains: callers woken by one reply batch each issue their
        // next request a few promise hops later, and all of them should travel together.
        setImmediate(() => this.flush(chosen));
      }
    });
  }

  /**
   * A PKCS#11 session must not run two operations at once (C_FindObjectsInit would meet
   * CKR_OPERATION_ACTIVE), so every operation on a session goes to the thread that session was
   * first given to, where operations run one after another. Sessions are spread by load.
   */
  private laneFor(body: Op, session: SessionKey | null): Lane | undefined {
    const known = session ? this.affinity.get(session) : undefined;
    if (known && this.lanes.includes(known)) {
      if (body.op === 'closeSession') this.affinity.delete(session!);
      return known;
    }
    let lane = this.lanes[0];
    if (session && body.op !== 'closeSession') {
      // A new session goes to the thread holding the fewest, so a full pool splits evenly.
      const held = new Map<Lane, number>(this.lanes.map((l) => [l, 0]));
      for (const l of this.affinity.values()) held.set(l, (held.get(l) ?? 0) + 1);
      for (const l of this.lanes) if (lane && held.get(l)! < held.get(lane)!) lane = l;
      if (lane) this.affinity.set(session, lane);
      return lane;
    }
    for (const l of this.lanes) if (lane && l.inFlight < lane.inFlight) lane = l;
    return lane;
  }

  private flush(lane: Lane): void {
    lane.scheduled = false;
    // Already sent, ahead of the calling thread's slice.
    if (lane.outbox.length === 0) return;
    const batch = lane.outbox;
    const transfer = lane.transfer;
    lane.outbox = [];
    lane.transfer = [];
    lane.worker.postMessage(batch, transfer);
  }

  /** Stops the threads; `finalize` calls C_Finalize first (only when no one else uses the module). */
  async close(finalize = true): Promise<void> {
    if (this.closed) return;
    if (finalize && (this.inline || this.lanes.length > 0))
      await this.call({ op: 'finalize' }).catch(() => undefined);
    this.closed = true;
    // The calling thread's handle on the library: C_Finalize already ran on a thread.
    this.helper = null;
    const lanes = this.lanes.splice(0);
    const hook = retireHookNow();
    if (hook) await Promise.all(lanes.map((l) => hook(l.worker).catch(() => undefined)));
    await Promise.all(lanes.map((l) => l.worker.terminate()));
    for (const l of lanes) l.replies.close();
  }
}
