// A pool of PKCS#11 sessions on one token. Login state in PKCS#11 belongs to the application
// and is shared by all its sessions on the token; it ends when the last session closes, so a
// logged-in pool never reaps its last session.
import { OlocusError, ErrorCode } from '../../../shared/errors';
import type { Pkcs11Executor } from './executor';
import { Pkcs11CallError } from './executor';
import type { Handle } from './protocol';
import { retireOld } from './session-lifetime';

export interface PoolOptions {
  minSessions: number;
  maxSessions: number;
  idleTimeoutMs: number;
  healthCheckIntervalMs: number;
  /** How long an operation may wait for a free session before it fails (error 105). */
  acquireTimeoutMs: number;
  /** Idle sessions opened longer ago than this are replaced (pool.max_lifetime); 0 = never. */
  maxLifetimeMs?: number;
}

export const DEFAULT_POOL: PoolOptions = {
  minSessions: 1,
  maxSessions: 8,
  idleTimeoutMs: 300_000,
  healthCheckIntervalMs: 60_000,
  acquireTimeoutMs: 30_000,
};

/** The session itself is gone; another session on the same token may work. */
export const SESSION_LOST = new Set(['CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED']);
/** The token is gone: every session on it is dead. */
export const TOKEN_LOST = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_SLOT_ID_INVALID',
]);

interface Session {
  handle: Handle;
  lastUsed: number;
  opened: number;
}

interface Waiter {
  resolve: (s: Session) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

export interface PoolStats {
  open: number;
  idle: number;
  busy: number;
  max: number;
  waiting: number;
  replaced: number;
  reaped: number;
  loggedIn: boolean;
}

export class SessionPool {
  private readonly idle: Session[] = [];
  private readonly busy = new Set<Session>();
  private readonly waiters: Waiter[] = [];
  private opening = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private replaced = 0;
  private reaped = 0;
  loggedIn = false;

  constructor(
    private readonly ex: Pkcs11Executor,
    readonly slot: Handle,
    readonly options: PoolOptions,
    private readonly tokenName: string,
  ) {
    if (options.minSessions > options.maxSessions) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `The session pool's min_sessions (${options.minSessions}) is larger than max_sessions (${options.maxSessions}).`,
      );
    }
  }

  async start(): Promise<void> {
    await this.topUp();
    const every = Math.min(
      this.options.healthCheckIntervalMs,
      this.options.idleTimeoutMs,
      this.options.maxLifetimeMs || Infinity,
    );
    if (every > 0) {
      this.timer = setInterval(() => void this.maintain(), every);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.idle.length + this.busy.size + this.opening;
  }

  stats(): PoolStats {
    return {
      open: this.idle.length + this.busy.size,
      idle: this.idle.length,
      busy: this.busy.size,
      max: this.options.maxSessions,
      waiting: this.waiters.length,
      replaced: this.replaced,
      reaped: this.reaped,
      loggedIn: this.loggedIn,
    };
  }

  private async openSession(): Promise<Session> {
    this.opening++;
    try {
      const handle = await this.ex.call<Handle>({ op: 'openSession', slot: this.slot, rw: true });
      return { handle, lastUsed: Date.now(), opened: Date.now() };
    } finally {
      this.opening--;
    }
  }

  private async topUp(): Promise<void> {
    while (!this.closed && this.size < this.options.minSessions) {
      this.idle.push(await this.openSession());
    }
  }

  /** `fresh`: after a lost session, the idle ones may be dead too, so open a new one. */
  private acquire(fresh = false): Promise<Session> {
    if (this.closed) return Promise.reject(this.closedError());
    const s = fresh && this.size < this.options.maxSessions ? undefined : this.idle.pop();
    if (s) {
      this.busy.add(s);
      return Promise.resolve(s);
    }
    if (this.size < this.options.maxSessions) {
      return this.openSession().then((fresh) => {
        this.busy.add(fresh);
        return fresh;
      });
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(
            new OlocusError(
              ErrorCode.SESSION_UNAVAILABLE,
              `All ${this.options.maxSessions} sessions on ${this.tokenName} stayed busy for ${this.options.acquireTimeoutMs} ms; try again or raise pool.max_sessions.`,
            ),
          );
        }, this.options.acquireTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private release(s: Session, healthy: boolean): void {
    this.busy.delete(s);
    if (!healthy) {
      this.replaced++;
      const retire = () =>
        void this.ex.call({ op: 'closeSession', session: s.handle }).catch(() => undefined);
      // A waiter would otherwise wait for a session that will never come back; and closing the
      // last session would end the login, so its replacement opens first.
      const w = this.waiters.shift();
      if (w) clearTimeout(w.timer);
      if (!w && !(this.loggedIn && this.idle.length + this.busy.size === 0)) {
        retire();
        return;
      }
      this.openSession().then(
        (fresh) => {
          if (w) {
            this.busy.add(fresh);
            w.resolve(fresh);
          } else {
            this.idle.push(fresh);
          }
          retire();
        },
        (err: unknown) => {
          w?.reject(err);
          retire();
        },
      );
      return;
    }
    s.lastUsed = Date.now();
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      this.busy.add(s);
      w.resolve(s);
    } else {
      this.idle.push(s);
    }
  }

  /**
   * Runs `fn` on a pooled session. A lost session is dropped and replaced; when `idempotent`,
   * the operation is retried once on a fresh session, otherwise the caller gets a clear error
   * (re-running a key generation blindly could create a second key).
   */
  async use<T>(fn: (session: Handle) => Promise<T>, idempotent: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      // The common case, an idle session at hand, skips a promise round.
      const ready = attempt === 0 && !this.closed ? this.idle.pop() : undefined;
      if (ready) this.busy.add(ready);
      const s = ready ?? (await this.acquire(attempt > 0));
      try {
        const out = await fn(s.handle);
        this.release(s, true);
        return out;
      } catch (e) {
        const ckr = e instanceof Pkcs11CallError ? e.ckr : undefined;
        if (ckr && TOKEN_LOST.has(ckr)) {
          this.release(s, false);
          this.dropAll();
          throw e;
        }
        if (ckr && SESSION_LOST.has(ckr)) {
          this.release(s, false);
          // Whatever dropped this session may have dropped its idle siblings: check them now.
          void this.maintain();
          if (idempotent && attempt === 0) continue;
          throw e;
        }
        this.release(s, !(e instanceof Pkcs11CallError && e.tainted));
        throw e;
      }
    }
  }

  /** Token removed: forget every session (and the login that went with them). */
  private dropAll(): void {
    for (const s of this.idle.splice(0))
      void this.ex.call({ op: 'closeSession', session: s.handle }).catch(() => undefined);
    this.loggedIn = false;
  }

  /** Closes idle sessions past idle_timeout and replaces the ones the token no longer knows. */
  async maintain(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    const keep = Math.max(this.options.minSessions, this.loggedIn ? 1 : 0);
    // Oldest first: idle is used as a stack, so the bottom holds the longest-idle sessions.
    while (this.idle.length > 0 && this.idle.length + this.busy.size > keep) {
      const oldest = this.idle[0]!;
      if (now - oldest.lastUsed < this.options.idleTimeoutMs) break;
      this.idle.shift();
      this.reaped++;
      await this.ex.call({ op: 'closeSession', session: oldest.handle }).catch(() => undefined);
    }
    await retireOld(this.idle, this.options.maxLifetimeMs, now, {
      open: () => this.openSession(),
      close: (h) => this.ex.call({ op: 'closeSession', session: h }).catch(() => undefined),
      replaced: () => this.replaced++,
    });
    for (const s of [...this.idle]) {
      try {
        await this.ex.call({ op: 'sessionInfo', session: s.handle });
      } catch (e) {
        const ckr = e instanceof Pkcs11CallError ? e.ckr : undefined;
        if (!ckr || !(SESSION_LOST.has(ckr) || TOKEN_LOST.has(ckr))) continue;
        const i = this.idle.indexOf(s);
        if (i >= 0) this.idle.splice(i, 1);
        this.replaced++;
        if (TOKEN_LOST.has(ckr)) {
          this.dropAll();
          return;
        }
      }
    }
    await this.topUp().catch(() => undefined);
  }

  private closedError(): OlocusError {
    return new OlocusError(
      ErrorCode.SESSION_UNAVAILABLE,
      `The connection to ${this.tokenName} was closed.`,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.closedError());
    }
    const all = [...this.idle.splice(0), ...this.busy];
    this.busy.clear();
    await Promise.all(
      all.map((s) =>
        this.ex.call({ op: 'closeSession', session: s.handle }).catch(() => undefined),
      ),
    );
    this.loggedIn = false;
  }
}
