// An HSM group: several tokens holding the same key, used as one signer. Signing is safe to
// repeat, so a request whose member fails goes to the next member; each request returns at most
// one signature. Members that fail are taken out and re-admitted only after passing checks.
// Every state change is an event for listeners (progress, metrics) and, when given, the ledger.
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { AppendInput } from '../audit/types';
import { verifyWithSpki } from '../hsm/software-verify';
import type { SignAlgorithm, SignResult } from '../hsm/types';
import { keyFingerprint, refuseDifferentKey } from './key-proof';
import type { KeyFingerprint } from './key-proof';
import { Member, classifyFailure, describeError, memberName } from './members';
import type { MemberProvider, MemberState } from './members';

export type FailoverPolicy = 'automatic' | 'manual';
export type Strategy = 'round-robin' | 'least-busy' | 'primary-only';

export interface GroupEvent {
  type:
    | 'group.opened'
    | 'group.member_failing'
    | 'group.member_out'
    | 'group.member_recovering'
    | 'group.member_readmitted'
    | 'group.request_failed_over';
  group: string;
  member: string;
  state: MemberState;
  reason?: string;
  /** For failed-over requests: the member that takes the request. */
  next?: string;
  time: string;
}

export interface GroupLedger {
  append(input: AppendInput): Promise<unknown>;
}

export interface GroupOptions {
  name: string;
  /** Primary first, then the backups. */
  members: readonly string[];
  keyLabel: string;
  open: (address: string) => Promise<MemberProvider>;
  policy?: FailoverPolicy;
  threshold?: number;
  healthCheckIntervalMs?: number;
  strategy?: Strategy;
  /** Passed checks in a row before a member that was out is re-admitted. */
  recoveryChecks?: number;
  ledger?: GroupLedger;
}

export interface GroupSignResult extends SignResult {
  member: string;
}

export interface MemberReport {
  name: string;
  address: string;
  role: 'primary' | 'backup';
  state: MemberState;
  lastCheck: string | null;
  lastError: string | null;
  signed: number;
  /** Share of the signatures this group made, 0..1. */
  share: number;
  inFlight: number;
}

export class HsmGroup {
  private readonly members: Member[];
  private readonly listeners = new Set<(e: GroupEvent) => void>();
  private fingerprintValue: KeyFingerprint | null = null;
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  private checking: Promise<void> | null = null;
  private ledgerWrites: Promise<unknown> = Promise.resolve();
  private closed = false;
  readonly policy: FailoverPolicy;
  readonly threshold: number;
  readonly strategy: Strategy;

  private constructor(private readonly opts: GroupOptions) {
    this.members = opts.members.map(
      (a, i) => new Member(a, memberName(a), i === 0 ? 'primary' : 'backup'),
    );
    this.policy = opts.policy ?? 'automatic';
    this.threshold = opts.threshold ?? 3;
    this.strategy = opts.strategy ?? 'round-robin';
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `The failover threshold of group ${opts.name} must be a whole number of at least 1 (it is ${this.threshold}).`,
      );
    }
  }

  get name(): string {
    return this.opts.name;
  }
  get keyLabel(): string {
    return this.opts.keyLabel;
  }
  get fingerprint(): KeyFingerprint {
    return this.fingerprintValue!;
  }

  /** Opens every member and proves they hold the same key; refuses the group otherwise. */
  static async open(opts: GroupOptions): Promise<HsmGroup> {
    if (opts.members.length === 0) {
      throw new OlocusError(ErrorCode.INVALID_INPUT, `Group ${opts.name} has no members.`);
    }
    const g = new HsmGroup(opts);
    try {
      for (const m of g.members) {
        if (!/^pkcs11:/i.test(m.address)) {
          throw new OlocusError(
            ErrorCode.INVALID_INPUT,
            `Member ${m.name} of group ${opts.name} is a cloud key; groups sign through PKCS#11 members only so far (see docs/cluster.md).`,
          );
        }
        m.provider = await opts.open(m.address);
        const fp = await keyFingerprint(m.provider, opts.keyLabel, m.name);
        if (!g.fingerprintValue) g.fingerprintValue = fp;
        else if (fp.kind !== g.fingerprintValue.kind || fp.value !== g.fingerprintValue.value) {
          throw refuseDifferentKey(opts.name, m.name, opts.keyLabel, g.fingerprintValue, fp);
        }
        m.lastCheck = new Date().toISOString();
      }
    } catch (e) {
      await g.close();
      throw e;
    }
    for (const m of g.members) g.emit('group.opened', m);
    g.startHealthChecks();
    return g;
  }

  on(listener: (e: GroupEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Each member's state and share of the work. */
  report(): MemberReport[] {
    const total = this.members.reduce((n, m) => n + m.signed, 0);
    return this.members.map((m) => ({
      name: m.name,
      address: m.address,
      role: m.role,
      state: m.state,
      lastCheck: m.lastCheck,
      lastError: m.lastError,
      signed: m.signed,
      share: total === 0 ? 0 : m.signed / total,
      inFlight: m.inFlight,
    }));
  }

  /** Signs on one healthy member; on a member fault the request goes to the next member. */
  async sign(data: Uint8Array, algorithm?: SignAlgorithm): Promise<GroupSignResult> {
    if (this.fingerprint.class !== 'private') {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `The key "${this.keyLabel}" of group ${this.name} is a secret key; signing needs a private key.`,
      );
    }
    const tried = new Set<Member>();
    for (;;) {
      const m = this.pick(tried);
      if (!m) throw this.allDown();
      tried.add(m);
      m.inFlight++;
      try {
        const r = await m.provider!.sign(
          { label: this.keyLabel, class: 'private' },
          data,
          algorithm,
        );
        m.signed++;
        if (m.consecutiveFailures > 0 && m.state === 'failing') {
          m.state = 'healthy';
        }
        m.consecutiveFailures = 0;
        return { ...r, member: m.name };
      } catch (e) {
        const kind = classifyFailure(e);
        if (kind === 'request') throw e;
        this.fail(m, e, kind === 'gone');
        if (this.policy === 'manual' && m.state === 'out') throw this.manualStop(m, e);
        const after = this.pick(tried);
        if (after) {
          this.emit('group.request_failed_over', m, describeError(e), after.name);
        }
      } finally {
        m.inFlight--;
      }
    }
  }

  /** Runs the recovery checks now (the timer runs them every health_check_interval). */
  checkNow(): Promise<void> {
    this.checking ??= this.recoverAll().finally(() => (this.checking = null));
    return this.checking;
  }

  /** Waits for ledger writes of events so far. */
  flushEvents(): Promise<unknown> {
    return this.ledgerWrites;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking?.catch(() => undefined);
    await this.ledgerWrites.catch(() => undefined);
    await Promise.all(
      this.members.map(async (m) => {
        const p = m.provider;
        m.provider = null;
        await p?.close().catch(() => undefined);
      }),
    );
  }

  private pick(tried: Set<Member>): Member | undefined {
    const open = this.members.filter((m) => m.usable && !tried.has(m));
    if (open.length === 0) return undefined;
    if (this.strategy === 'primary-only') return open[0];
    if (this.strategy === 'least-busy') {
      const least = Math.min(...open.map((m) => m.inFlight));
      const idle = open.filter((m) => m.inFlight === least);
      return idle[this.next++ % idle.length];
    }
    return open[this.next++ % open.length];
  }

  private fail(m: Member, e: unknown, gone: boolean): void {
    m.failures++;
    m.consecutiveFailures++;
    m.lastError = describeError(e);
    if (m.state === 'out') return;
    if (gone || m.consecutiveFailures >= this.threshold) {
      m.state = 'out';
      m.passes = 0;
      this.emit(
        'group.member_out',
        m,
        gone
          ? `the token is gone: ${m.lastError}`
          : `${m.consecutiveFailures} failures in a row (threshold ${this.threshold}): ${m.lastError}`,
      );
    } else if (m.state !== 'failing') {
      m.state = 'failing';
      this.emit('group.member_failing', m, m.lastError);
    }
  }

  private allDown(): OlocusError {
    const each = this.members
      .map((m) => `${m.name} (${m.state}): ${m.lastError ?? 'no error recorded'}`)
      .join('; ');
    return new OlocusError(
      ErrorCode.SESSION_UNAVAILABLE,
      `No member of group ${this.name} can sign: ${each}.`,
    );
  }

  private manualStop(m: Member, e: unknown): OlocusError {
    return new OlocusError(
      e instanceof OlocusError ? e.code : ErrorCode.SESSION_UNAVAILABLE,
      `Member ${m.name} of group ${this.name} was taken out (${m.lastError}); the failover policy is manual, so the work stops here: check the member, then run again to resume.`,
      { ...(e instanceof OlocusError && e.ckr ? { ckr: e.ckr } : {}), cause: e },
    );
  }

  private startHealthChecks(): void {
    const every = this.opts.healthCheckIntervalMs ?? 30_000;
    this.timer = setInterval(() => void this.checkNow(), every);
    this.timer.unref();
  }

  private async recoverAll(): Promise<void> {
    // Members taken out by this round's probes wait for the next round to be checked.
    const waiting = this.members.filter((m) => m.state === 'out' || m.state === 'recovering');
    // Idle members in service are asked too (as Vault's seal HA tests each backend): a token
    // that vanished while nobody signed is taken out before a request finds it gone.
    for (const m of this.members.filter((x) => x.usable && x.inFlight === 0)) {
      if (this.closed) return;
      await this.probe(m);
    }
    for (const m of waiting) {
      if (this.closed) return;
      await this.recover(m);
    }
  }

  private async probe(m: Member): Promise<void> {
    const h = await m.provider!.health().catch((e: unknown) => ({
      ok: false,
      detail: describeError(e),
    }));
    m.lastCheck = new Date().toISOString();
    if (h.ok) return;
    const gone = /HSM error 10[03]\b/.test(h.detail);
    this.fail(
      m,
      new OlocusError(
        gone ? ErrorCode.TOKEN_NOT_FOUND : ErrorCode.OPERATION_FAILED,
        `health check: ${h.detail}`,
      ),
      gone,
    );
  }

  /**
   * One recovery check: reopen the member, compare its key with the group's, sign a random
   * challenge and verify it in software. `recoveryChecks` passes in a row re-admit it.
   */
  private async recover(m: Member): Promise<void> {
    if (m.state === 'out') {
      m.state = 'recovering';
      this.emit('group.member_recovering', m, m.lastError ?? undefined);
    }
    m.lastCheck = new Date().toISOString();
    try {
      if (!m.provider || m.passes === 0) {
        const old = m.provider;
        m.provider = null;
        await old?.close().catch(() => undefined);
        m.provider = await this.opts.open(m.address);
      }
      const fp = await keyFingerprint(m.provider, this.keyLabel, m.name);
      if (fp.value !== this.fingerprint.value) {
        throw refuseDifferentKey(this.name, m.name, this.keyLabel, this.fingerprint, fp);
      }
      if (fp.class === 'private') {
        const challenge = randomBytes(32);
        const r = await m.provider.sign({ label: this.keyLabel, class: 'private' }, challenge);
        if (!verifyWithSpki(this.fingerprint.spki!, r.algorithm, challenge, r.signature)) {
          throw new OlocusError(
            ErrorCode.OPERATION_FAILED,
            `the test signature of member ${m.name} does not verify with the group's public key`,
          );
        }
      }
      m.passes++;
      if (m.passes >= (this.opts.recoveryChecks ?? 2)) {
        m.state = 'healthy';
        m.consecutiveFailures = 0;
        m.passes = 0;
        this.emit('group.member_readmitted', m, `passed ${this.opts.recoveryChecks ?? 2} checks`);
      }
    } catch (e) {
      m.passes = 0;
      m.lastError = describeError(e);
      m.state = 'out';
      const p = m.provider;
      m.provider = null;
      await p?.close().catch(() => undefined);
    }
  }

  private emit(type: GroupEvent['type'], m: Member, reason?: string, next?: string): void {
    const event: GroupEvent = {
      type,
      group: this.name,
      member: m.name,
      state: m.state,
      ...(reason !== undefined ? { reason } : {}),
      ...(next !== undefined ? { next } : {}),
      time: new Date().toISOString(),
    };
    for (const l of this.listeners) l(event);
    const ledger = this.opts.ledger;
    // Opened and failed-over events are many and routine; the ledger keeps the state changes.
    if (ledger && type !== 'group.request_failed_over') {
      const { type: t, time: _time, ...data } = event;
      this.ledgerWrites = this.ledgerWrites.then(() =>
        ledger.append({ actor: 'olocus-ceremony', step: null, type: t, data }),
      );
    }
  }
}
