// The signing fast path between the main thread and the PKCS#11 workers: a SharedArrayBuffer
// holding a fixed set of request slots and a ring of queued slot numbers. The main thread writes
// a sign request into a free slot and queues it; whichever worker is free takes the next one
// itself, so no worker waits for a main-thread round trip while signatures are queued (with
// postMessage batches, each worker idled ~20% of the time between batches). A worker writes
// the signature back into the slot and wakes the main thread through Atomics.waitAsync; the
// main thread collects every finished slot at once. Only plain sign requests travel here
// (no mechanism parameter, small input): PINs and everything else keep the message path, so no
// secret is ever written into shared memory.
import type { Handle, Prehash, WireError } from './protocol';

export const RING_SLOTS = 64; // a power of two: ring positions are taken modulo it
export const DATA_CAP = 4096;
export const RESULT_CAP = 1024;
const PREFIX_CAP = 64;

// Header words (Int32).
const TAIL = 0; // next ring position the main thread fills
const HEAD = 1; // next ring position a worker takes
const DONE_SEQ = 2; // bumped by a worker after it finished a slot; the main thread waits on it
// 1 while the main thread waits on DONE_SEQ: only then does a worker notify (and only one does),
// since a notify costs the worker more than a sign on a fast token.
const MAIN_WAITING = 3;
const NOTIFY_BELOW = 4;
const LINGERER = 4; // 1 + the index of the worker polling for a lone caller's next request, or 0
const KICKS = 5; // per worker: its wake-up word, then its "asleep" flag
export const MAX_WORKERS = 14;
const HEADER_WORDS = KICKS + 2 * MAX_WORKERS;

// Slot states.
const FREE = 0;
const QUEUED = 1;
const CLAIMED = 2;
const DONE_OK = 3;
const DONE_ERR = 4;

// Per-slot Int32 fields.
const F_STATE = 0;
const F_WORKER = 1;
const F_MECH = 2;
const F_OUTLEN = 3;
const F_HASH = 4;
const F_PREFIX_LEN = 5;
const F_DATA_LEN = 6;
const F_RESULT_LEN = 7;
const F_RV = 8;
const F_FLAGS = 9; // 1: tainted, 2: rv present
const FIELDS = 10;

const HASHES: Prehash['hash'][] = ['sha1', 'sha256', 'sha384', 'sha512'];

const OFF_SESSION = 0;
const OFF_KEY = 8;
const OFF_PREFIX = 16;
const OFF_DATA = OFF_PREFIX + PREFIX_CAP;
const OFF_RESULT = OFF_DATA + DATA_CAP;
const SLOT_BYTES = OFF_RESULT + RESULT_CAP;

const INTS = HEADER_WORDS + RING_SLOTS + RING_SLOTS * FIELDS;

export function createRingBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(INTS * 4 + RING_SLOTS * SLOT_BYTES);
}

const CKR_NAME_RE = /(CKR_[A-Z0-9_]+)(?::(\d+))?/;

/** A module error as it crosses threads: the CKR name and number parsed out of pkcs11js's message. */
export function toWireError(e: unknown): WireError {
  const message = e instanceof Error ? e.message : String(e);
  const m = CKR_NAME_RE.exec(message);
  return m ? { message, ckr: m[1]!, ...(m[2] ? { rv: Number(m[2]) } : {}) } : { message };
}

export interface SignRequest {
  session: Handle;
  mechanism: number;
  key: Handle;
  data: Uint8Array;
  outLen: number;
  prehash?: Prehash;
}

/** Views over the shared buffer, the same on every thread. */
class RingViews {
  protected readonly i32: Int32Array;
  protected readonly u8: Uint8Array;
  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab, 0, INTS);
    this.u8 = new Uint8Array(sab, INTS * 4);
  }
  protected field(slot: number, f: number): number {
    return HEADER_WORDS + RING_SLOTS + slot * FIELDS + f;
  }
  protected bytes(slot: number, off: number, len: number): Uint8Array {
    const at = slot * SLOT_BYTES + off;
    return this.u8.subarray(at, at + len);
  }
}

/** In Node 20 (V8 11), but in TypeScript's lib only from es2024. */
interface AtomicsWaitAsync {
  waitAsync(
    a: Int32Array,
    index: number,
    value: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

interface Waiting {
  resolve: (signature: Uint8Array) => void;
  reject: (error: unknown) => void;
}

/** The main thread's side: fills slots, wakes a sleeping worker, collects finished slots. */
export class SignRingHost extends RingViews {
  private readonly free: number[] = [];
  private readonly waiting: (Waiting | undefined)[] = [];
  private outstanding = 0;
  private armed = false;
  private readonly decoder = new TextDecoder();

  constructor(
    sab: SharedArrayBuffer,
    private readonly workers: () => readonly number[],
    /** The error a caller gets for a module error (the executor's Pkcs11CallError). */
    private readonly failure: (error: WireError) => unknown,
    /** Called when the first request goes out and when the last one came back. */
    private readonly busy: (busy: boolean) => void,
  ) {
    super(sab);
    for (let s = RING_SLOTS - 1; s >= 0; s--) this.free.push(s);
  }

  /** Whether `r` can travel through the ring now (it fits, and a slot is free). */
  accepts(r: { data: Uint8Array; outLen: number; prehash?: Prehash }): boolean {
    return (
      this.free.length > 0 &&
      r.data.byteLength <= DATA_CAP &&
      r.outLen <= RESULT_CAP &&
      (r.prehash?.prefix?.byteLength ?? 0) <= PREFIX_CAP &&
      (!r.prehash || HASHES.includes(r.prehash.hash))
    );
  }

  /** Queues a request (accepts() must have said yes); settles with the signature or the module's error. */
  submit(r: SignRequest): Promise<Uint8Array> {
    const slot = this.free.pop()!;
    const done = new Promise<Uint8Array>((resolve, reject) => {
      this.waiting[slot] = { resolve, reject };
    });
    const i = this.i32;
    this.bytes(slot, OFF_SESSION, 8).set(r.session.subarray(0, 8));
    this.bytes(slot, OFF_KEY, 8).set(r.key.subarray(0, 8));
    i[this.field(slot, F_MECH)] = r.mechanism;
    i[this.field(slot, F_OUTLEN)] = r.outLen;
    i[this.field(slot, F_HASH)] = r.prehash ? HASHES.indexOf(r.prehash.hash) + 1 : 0;
    const prefix = r.prehash?.prefix;
    i[this.field(slot, F_PREFIX_LEN)] = prefix?.byteLength ?? 0;
    if (prefix) this.bytes(slot, OFF_PREFIX, prefix.byteLength).set(prefix);
    i[this.field(slot, F_DATA_LEN)] = r.data.byteLength;
    this.bytes(slot, OFF_DATA, r.data.byteLength).set(r.data);
    Atomics.store(i, this.field(slot, F_STATE), QUEUED);
    const tail = Atomics.load(i, TAIL);
    Atomics.store(i, HEADER_WORDS + (tail & (RING_SLOTS - 1)), slot);
    Atomics.store(i, TAIL, (tail + 1) | 0);
    if (this.outstanding++ === 0) this.busy(true);
    this.wakeOne();
    this.arm();
    return done;
  }

  /** Wakes one sleeping worker, if any: a busy one takes the request when it finishes. */
  private wakeOne(): void {
    // A worker polling for a lone caller's next request takes it; it checks the queue again
    // after it stops polling, before it sleeps.
    if (Atomics.load(this.i32, LINGERER) !== 0) return;
    for (const w of this.workers()) {
      // Cleared here, so the next request wakes another sleeper rather than this one again.
      if (Atomics.compareExchange(this.i32, KICKS + 2 * w + 1, 1, 0) === 1) {
        Atomics.add(this.i32, KICKS + 2 * w, 1);
        Atomics.notify(this.i32, KICKS + 2 * w, 1);
        return;
      }
    }
  }

  /** Wakes worker `w` so it reads its message port (it sleeps on its kick word, not on the port). */
  kick(w: number): void {
    Atomics.add(this.i32, KICKS + 2 * w, 1);
    Atomics.notify(this.i32, KICKS + 2 * w, 1);
  }

  private arm(): void {
    if (this.armed || this.outstanding === 0) return;
    const seen = Atomics.load(this.i32, DONE_SEQ);
    this.collect();
    if (this.outstanding === 0) return;
    Atomics.store(this.i32, MAIN_WAITING, 1);
    const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.i32, DONE_SEQ, seen);
    if (!wait.async) {
      // A slot finished between the load and the wait: collect again once the loop has turned
      // (a microtask here could keep the loop from turning while workers keep finishing).
      Atomics.store(this.i32, MAIN_WAITING, 0);
      this.armed = true;
      setImmediate(() => {
        this.armed = false;
        this.arm();
      });
      return;
    }
    this.armed = true;
    void wait.value.then(() => {
      this.armed = false;
      this.arm();
    });
  }

  /** Settles every finished slot. */
  private collect(): void {
    const i = this.i32;
    for (let slot = 0; slot < RING_SLOTS; slot++) {
      const state = Atomics.load(i, this.field(slot, F_STATE));
      if (state === DONE_OK) {
        const len = i[this.field(slot, F_RESULT_LEN)]!;
        const value = this.bytes(slot, OFF_RESULT, len).slice();
        this.release(slot);
        this.settle(slot).resolve(value);
      } else if (state === DONE_ERR) {
        const len = i[this.field(slot, F_RESULT_LEN)]!;
        const error = toWireError(this.decoder.decode(this.bytes(slot, OFF_RESULT, len)));
        const flags = i[this.field(slot, F_FLAGS)]!;
        if (flags & 2) error.rv = i[this.field(slot, F_RV)]!;
        if (flags & 1) error.tainted = true;
        this.release(slot);
        this.settle(slot).reject(this.failure(error));
      }
    }
  }

  private settle(slot: number): Waiting {
    const w = this.waiting[slot]!;
    this.waiting[slot] = undefined;
    return w;
  }

  private release(slot: number): void {
    this.bytes(slot, 0, SLOT_BYTES).fill(0);
    Atomics.store(this.i32, this.field(slot, F_STATE), FREE);
    this.free.push(slot);
    if (--this.outstanding === 0) this.busy(false);
  }

  /**
   * Fails the slots a stopped worker had taken (or, when `all`, every unfinished slot: no worker
   * is left to take them). Finished ones are collected first.
   */
  abandon(worker: number | 'all', error: WireError): void {
    this.collect();
    const i = this.i32;
    for (let slot = 0; slot < RING_SLOTS; slot++) {
      const state = Atomics.load(i, this.field(slot, F_STATE));
      const mine = state === CLAIMED && i[this.field(slot, F_WORKER)] === worker;
      if (!(mine || (worker === 'all' && (state === QUEUED || state === CLAIMED)))) continue;
      this.release(slot);
      this.settle(slot).reject(this.failure(error));
    }
    if (worker === 'all') Atomics.store(i, HEAD, Atomics.load(i, TAIL));
  }
}

/** A worker's side: takes queued slots, writes results, sleeps when there is nothing to do. */
export class SignRingWorker extends RingViews {
  private readonly encoder = new TextEncoder();
  constructor(
    sab: SharedArrayBuffer,
    readonly index: number,
  ) {
    super(sab);
  }

  /** The next queued slot, now this worker's; -1 when the ring is empty. */
  take(): number {
    const i = this.i32;
    for (;;) {
      const head = Atomics.load(i, HEAD);
      if (head === Atomics.load(i, TAIL)) return -1;
      if (Atomics.compareExchange(i, HEAD, head, (head + 1) | 0) !== head) continue;
      const slot = Atomics.load(i, HEADER_WORDS + (head & (RING_SLOTS - 1)));
      i[this.field(slot, F_WORKER)] = this.index;
      Atomics.store(i, this.field(slot, F_STATE), CLAIMED);
      return slot;
    }
  }

  request(slot: number): SignRequest {
    const i = this.i32;
    const hash = i[this.field(slot, F_HASH)]!;
    const prefixLen = i[this.field(slot, F_PREFIX_LEN)]!;
    const r: SignRequest = {
      session: Buffer.from(this.bytes(slot, OFF_SESSION, 8)),
      key: Buffer.from(this.bytes(slot, OFF_KEY, 8)),
      mechanism: i[this.field(slot, F_MECH)]!,
      outLen: i[this.field(slot, F_OUTLEN)]!,
      data: Buffer.from(this.bytes(slot, OFF_DATA, i[this.field(slot, F_DATA_LEN)]!)),
    };
    if (hash > 0) {
      r.prehash = { hash: HASHES[hash - 1]! };
      if (prefixLen > 0) r.prehash.prefix = Buffer.from(this.bytes(slot, OFF_PREFIX, prefixLen));
    }
    return r;
  }

  succeed(slot: number, value: Uint8Array): void {
    this.bytes(slot, OFF_RESULT, value.byteLength).set(value);
    this.i32[this.field(slot, F_RESULT_LEN)] = value.byteLength;
    this.finish(slot, DONE_OK);
  }

  fail(slot: number, error: WireError): void {
    const i = this.i32;
    const { written } = this.encoder.encodeInto(
      error.message,
      this.bytes(slot, OFF_RESULT, RESULT_CAP),
    );
    i[this.field(slot, F_RESULT_LEN)] = written;
    i[this.field(slot, F_RV)] = error.rv ?? 0;
    i[this.field(slot, F_FLAGS)] = (error.tainted ? 1 : 0) | (error.rv !== undefined ? 2 : 0);
    this.finish(slot, DONE_ERR);
  }

  private finish(slot: number, state: number): void {
    Atomics.store(this.i32, this.field(slot, F_STATE), state);
    Atomics.add(this.i32, DONE_SEQ, 1);
    // The main thread is woken once the queue is nearly empty, not after every signature: it then
    // collects several at once and refills the queue while the workers finish what is left, so
    // the workers do not run dry and the main thread wakes about once per NOTIFY_BELOW signatures.
    const queued = (Atomics.load(this.i32, TAIL) - Atomics.load(this.i32, HEAD)) | 0;
    if (queued > NOTIFY_BELOW) return;
    if (Atomics.compareExchange(this.i32, MAIN_WAITING, 1, 0) === 1)
      Atomics.notify(this.i32, DONE_SEQ);
  }

  /** Whether this worker may poll for the next request: one worker at a time, or both spin. */
  mayLinger(): boolean {
    const me = this.index + 1;
    const now = Atomics.compareExchange(this.i32, LINGERER, 0, me);
    return now === 0 || now === me;
  }

  stopLingering(): void {
    Atomics.compareExchange(this.i32, LINGERER, this.index + 1, 0);
  }

  /** Nothing queued. */
  idle(): boolean {
    return Atomics.load(this.i32, HEAD) === Atomics.load(this.i32, TAIL);
  }

  /** The value to sleep against: read before looking for work, so a kick after the look wakes us. */
  kickValue(): number {
    return Atomics.load(this.i32, KICKS + 2 * this.index);
  }

  /** Sleeps until kicked (a queued request or a message), unless work arrived since `seen`. */
  sleep(seen: number): void {
    const i = this.i32;
    Atomics.store(i, KICKS + 2 * this.index + 1, 1);
    // Checked again after saying we sleep: the main thread looks at the flag after queuing.
    if (Atomics.load(i, HEAD) === Atomics.load(i, TAIL))
      Atomics.wait(i, KICKS + 2 * this.index, seen);
    Atomics.store(i, KICKS + 2 * this.index + 1, 0);
  }
}
