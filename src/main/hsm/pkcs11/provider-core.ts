// The PKCS#11 provider's core: binding to a token, the session pool, and turning module errors
// into officer-readable ones. Login and the helpers every operation shares are in
// provider-support.ts; the operations live in the subclasses (provider-keys.ts,
// provider-transfer.ts, provider.ts), split by what they do.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { GenerateOptions, HealthReport, KeyClass, ModuleInfo, TokenInfo } from '../types';
import { PUBLIC_SESSION_STATES } from './constants';
import { Pkcs11CallError } from './executor';
import { mapPkcs11Error } from './errors';
import type { FoundKey } from './keys';
import { KeyReader } from './keys';
import { MechanismSet } from './mechanisms';
import { detectVendor } from '../vendors';
import type { SignPlan } from './mechanisms';
import { releaseModule } from './module';
import type { LoadedModule } from './module';
import type { Handle, SlotEntry } from './protocol';
import { SessionPool } from './session-pool';
import { processHsmSettings } from './process-settings';
import { withRetry } from './retry';
import type { PoolOptions } from './session-pool';
import type { KeyUsage } from './templates';
import type { TokenMatch } from './token';
import { describeMechanisms, describeToken, pickToken } from './token';

export const capital = (x: string): string => x.charAt(0).toUpperCase() + x.slice(1);

/** The key cache's name for a selector with class, label and id (see Pkcs11Provider.key). */
export const exactCacheKey = (cls: KeyClass, label: string, id: Uint8Array): string =>
  `${cls}|${label}|${Buffer.from(id).toString('hex')}`;

export interface Pkcs11ProviderOptions {
  modulePath: string;
  initArgs?: string;
  token?: TokenMatch;
  pool?: Partial<PoolOptions>;
  threads?: number;
}

export interface Pkcs11GenerateOptions extends GenerateOptions {
  usage?: KeyUsage[];
}

export interface Bound {
  entry: SlotEntry;
  pool: SessionPool;
  mechs: MechanismSet;
  reader: KeyReader;
  name: string;
}

export const IDEMPOTENT = true;

/** The provider's machinery: module, token binding, session pool, login, errors. */
export abstract class Pkcs11ProviderCore {
  readonly kind = 'pkcs11';
  protected bound: Promise<Bound> | null = null;
  protected readonly keyCache = new Map<string, FoundKey>();
  protected readonly planCache = new Map<string, SignPlan>();
  protected readonly labelsInUse = new Set<string>();
  protected closed = false;
  protected constructor(
    protected readonly mod: LoadedModule,
    protected readonly options: Pkcs11ProviderOptions,
  ) {}
  protected get ex() {
    return this.mod.executor;
  }
  async info(): Promise<ModuleInfo> {
    return this.mod.info;
  }
  /**
   * Where this module's calls run: its PKCS#11 threads (0: the calling thread only), whether the
   * calling thread helps with short operations when they are busy (caller-runs.ts), and how many
   * it ran. One module is shared by every provider on it, so these are the module's figures.
   */
  executorState(): { threads: number; callerRuns: boolean; callerRan: number } {
    const ex = this.mod.executor;
    return { threads: ex.threadCount, callerRuns: ex.callerRunsOn, callerRan: ex.callerRan };
  }
  protected async slots(): Promise<SlotEntry[]> {
    try {
      return await this.ex.call<SlotEntry[]>({ op: 'slots', tokenPresent: false });
    } catch (e) {
      throw mapPkcs11Error(e, `the module ${this.mod.path}`, 'listing slots');
    }
  }
  async listTokens(options: { mechanisms?: boolean } = {}): Promise<TokenInfo[]> {
    const entries = (await this.slots()).filter((e) => e.tokenInfo);
    return Promise.all(
      entries.map(async (e) => {
        const info = describeToken(e);
        if (options.mechanisms) {
          const list = await this.ex.call<
            { type: number; minKeySize: number; maxKeySize: number; flags: number }[]
          >({ op: 'mechanisms', slot: e.slot });
          info.mechanisms = describeMechanisms(list);
        }
        return info;
      }),
    );
  }
  /** The token this provider works on, chosen on first use; its pool starts then. */
  protected token(): Promise<Bound> {
    if (this.closed)
      return Promise.reject(
        new OlocusError(ErrorCode.SESSION_UNAVAILABLE, 'This HSM connection was closed.'),
      );
    this.bound ??= (async () => {
      const entry = pickToken(await this.slots(), this.options.token ?? {}, this.mod.path);
      const d = describeToken(entry);
      const name = `token "${d.label}"`;
      // A site may withhold mechanisms its module lists (vendor-site.ts); they never get chosen.
      // Read before the pool starts: a bad site quirk file stops here with nothing to close.
      const vendor = detectVendor({
        libraryManufacturer: this.mod.info.manufacturer,
        libraryDescription: this.mod.info.description,
        tokenManufacturer: d.manufacturer,
        tokenModel: d.model,
      });
      const list = await this.ex.call<{ type: number; flags: number }[]>({
        op: 'mechanisms',
        slot: entry.slot,
      });
      const pool = new SessionPool(
        this.ex,
        entry.slot,
        { ...processHsmSettings().pool, ...this.options.pool },
        name,
      );
      await pool.start();
      return {
        entry,
        pool,
        mechs: new MechanismSet(list, vendor?.quirks.withheldMechanisms),
        reader: new KeyReader(this.ex, name, d.label),
        name,
      };
    })();
    this.bound.catch(() => (this.bound = null));
    return this.bound;
  }
  async tokenInfo(): Promise<TokenInfo> {
    const t = await this.token();
    const fresh = (await this.slots()).find(
      (e) => Buffer.compare(Buffer.from(e.slot), Buffer.from(t.entry.slot)) === 0,
    );
    return describeToken(fresh ?? t.entry);
  }
  /**
   * Logs in again from the PIN source the connection was opened with, after a lost login
   * (set by whoever logged in; see retry.ts). Undefined: a lost login is reported as 102.
   */
  relogin: (() => Promise<void>) | undefined;
  /** runOnce, retried as connection.retry_attempts says when `idempotent` (retry.ts). */
  protected run<T>(
    doing: string | (() => string),
    idempotent: boolean,
    fn: (s: Handle, t: Bound) => Promise<T>,
  ): Promise<T> {
    return withRetry(() => this.runOnce(doing, idempotent, fn), {
      idempotent,
      doing: typeof doing === 'string' ? () => doing : doing,
      relogin: this.relogin,
    });
  }
  /** Runs `fn` on a pooled session and turns module errors into officer-readable ones. */
  private async runOnce<T>(
    doing: string | (() => string),
    idempotent: boolean,
    fn: (s: Handle, t: Bound) => Promise<T>,
  ): Promise<T> {
    const t = await this.token();
    for (let attempt = 0; ; attempt++) {
      try {
        return await t.pool.use((s) => fn(s, t), idempotent);
      } catch (e) {
        // Object handles die when the last session on a slot closes; a cached one is looked up
        // again once.
        if (
          e instanceof Pkcs11CallError &&
          (e.ckr === 'CKR_KEY_HANDLE_INVALID' || e.ckr === 'CKR_OBJECT_HANDLE_INVALID')
        ) {
          const hadCache = this.keyCache.size > 0;
          this.keyCache.clear();
          if (idempotent && hadCache && attempt === 0) continue;
        }
        const surprising =
          e instanceof Pkcs11CallError ||
          (e instanceof OlocusError &&
            (e.code === ErrorCode.KEY_NOT_FOUND || e.code === ErrorCode.OPERATION_FAILED));
        if (surprising && (await this.tokenGone(t))) {
          this.keyCache.clear();
          throw new OlocusError(
            ErrorCode.TOKEN_NOT_FOUND,
            `${capital(t.name)} (serial ${describeToken(t.entry).serial}) is no longer present: it was removed or disconnected while ${typeof doing === 'string' ? doing : doing()}. Reconnect it and repeat the operation.`,
            {
              ckr:
                e instanceof Pkcs11CallError
                  ? (e.ckr ?? 'CKR_TOKEN_NOT_PRESENT')
                  : 'CKR_TOKEN_NOT_PRESENT',
              cause: e,
            },
          );
        }
        if (
          e instanceof OlocusError &&
          e.code === ErrorCode.KEY_NOT_FOUND &&
          (await this.loggedOut(t))
        ) {
          throw new OlocusError(
            ErrorCode.AUTHENTICATION_FAILED,
            `Nobody is logged in to ${t.name}, so its private keys are hidden; log in with the user PIN first (${e.message})`,
            { ckr: 'CKR_USER_NOT_LOGGED_IN', cause: e },
          );
        }
        throw mapPkcs11Error(e, t.name, typeof doing === 'string' ? doing : doing());
      }
    }
  }
  /**
   * Whether the token we work on has left its slot. Some modules say CKR_DEVICE_REMOVED; others
   * (SoftHSM when its token store disappears) answer with general errors or empty searches, so
   * an unexpected failure is checked against the slot list before it is reported.
   */
  protected async tokenGone(t: Bound): Promise<boolean> {
    const want = describeToken(t.entry);
    try {
      const entries = await this.slots();
      return !entries.some((e) => {
        if (!e.tokenInfo) return false;
        const d = describeToken(e);
        return d.initialized && d.serial === want.serial && d.label === want.label;
      });
    } catch {
      return true;
    }
  }
  /** True when the token wants a login and our sessions are public ones (login lost or never made). */
  protected async loggedOut(t: Bound): Promise<boolean> {
    if (!describeToken(t.entry).loginRequired) return false;
    try {
      const info = await t.pool.use(
        (session) => this.ex.call<{ state: number }>({ op: 'sessionInfo', session }),
        IDEMPOTENT,
      );
      return PUBLIC_SESSION_STATES.has(info.state);
    } catch {
      return false;
    }
  }
  async health(): Promise<HealthReport> {
    const start = performance.now();
    try {
      const info = await this.tokenInfo();
      const t = await this.token();
      if (await this.tokenGone(t)) {
        throw new OlocusError(
          ErrorCode.TOKEN_NOT_FOUND,
          `${capital(t.name)} (serial ${info.serial}) is no longer present.`,
          { ckr: 'CKR_TOKEN_NOT_PRESENT' },
        );
      }
      await t.pool.use((session) => this.ex.call({ op: 'sessionInfo', session }), IDEMPOTENT);
      const st = t.pool.stats();
      return {
        ok: true,
        provider: `${this.mod.info.manufacturer} ${this.mod.info.description}`.trim(),
        latencyMs: performance.now() - start,
        detail: `token "${info.label}" (serial ${info.serial}) answers`,
        sessions: { open: st.open, idle: st.idle, busy: st.busy, max: st.max, waiting: st.waiting },
      };
    } catch (e) {
      const err =
        e instanceof OlocusError ? e : mapPkcs11Error(e, this.mod.path, 'checking health');
      return {
        ok: false,
        provider: this.mod.info.manufacturer,
        latencyMs: performance.now() - start,
        detail: err.describe(),
      };
    }
  }
  /** Pool statistics for monitoring and tests; null before the token is first used. */
  async poolStats() {
    return this.bound ? (await this.bound).pool.stats() : null;
  }
  async maintainPool(): Promise<void> {
    if (this.bound) await (await this.bound).pool.maintain();
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const bound = this.bound ? await this.bound.catch(() => null) : null;
    if (bound) await bound.pool.close();
    await releaseModule(this.mod);
  }
}
