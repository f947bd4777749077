// The ledger writer. Every append is serialised, written with O_APPEND and fsynced before it
// resolves, so an acknowledged record survives a crash; anything the writer cannot vouch for
// (a failed write, a file that grew under it) stops it until the ledger is reopened and checked.
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { headSignatureMessage, loadAuditKey, verifySignature, type LoadedKey } from './audit-key';
import { encodeRecord } from './canonical';
import { assertAuditData } from './data-guard';
import { syncDirectory, writeFully } from './durable';
import {
  findUnrecordedEvidence,
  recoverTornTail,
  recoveryEventData,
  type Recovery,
} from './recovery';
import { SerialQueue } from './serial-queue';
import { acquireLedgerLock, type HeldLock } from './write-lock';
import {
  EVENT_LOCK_TAKEN_OVER,
  EVENT_RECOVERED,
  EVENT_SIGNED,
  GENESIS_PREV,
  type AppendInput,
  type AuditKeyInfo,
  type AuditSigner,
  type HeadSignatureData,
  type LedgerRecord,
} from './types';
import {
  RESERVED_TYPES,
  assertSignerHoldsKey,
  checkAppendInput,
  claim,
  openingRecord,
  release,
} from './writer-checks';
import { verifyLedger, type VerifyResult } from './verify';

export interface CreateOptions {
  ceremonyId: string;
  actor: string;
  /**
   * The audit key's signer; null only for a ledger no key ever signs, which must then declare
   * `data.head_signatures: "none"` (record 0 says `audit_key: null`).
   */
  signer: AuditSigner | null;
  step?: string | null;
  /** Extra public facts for record 0 (software version, script hash…). */
  data?: Record<string, unknown>;
  clock?: () => Date;
}

export interface OpenOptions {
  /**
   * Needed only to sign heads; must hold the key record 0 names. A ledger declared unsigned
   * refuses any signer: it was promised never to be signed.
   */
  signer?: AuditSigner;
  /** Who the `ledger.recovered` record names, when a torn tail is recovered. */
  actor?: string;
  clock?: () => Date;
}

export interface OpenedLedger {
  ledger: Ledger;
  /** What was cut from the end and where it was kept; null when the file ended cleanly. */
  recovered: Recovery | null;
  /** The verification the ledger was opened on (before recovery). */
  verification: VerifyResult;
}

export class Ledger {
  private readonly queue = new SerialQueue();
  private closed = false;
  /** Set when a write may have half-happened: only reopening (which re-verifies) clears it. */
  private broken: Error | null = null;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private state: { head: string; length: number; size: number },
    readonly ceremonyId: string,
    /** Null for a ledger declared unsigned. */
    private readonly key: LoadedKey | null,
    private readonly signer: AuditSigner | undefined,
    private readonly clock: () => Date,
    /** The ledger's lock file (`<ledger>.lock`), held from open to close. */
    private readonly lock: HeldLock,
  ) {}

  /** Starts a new ledger; refuses a path that already exists, whatever it holds. */
  static async create(path: string, opts: CreateOptions): Promise<Ledger> {
    const full = resolve(path);
    const opening = openingRecord(opts);
    const clock = opts.clock ?? (() => new Date());
    const { record, line } = encodeRecord({
      ...opening,
      seq: 0,
      time: clock().toISOString(),
      prev: GENESIS_PREV,
    });
    claim(full);
    let lock: HeldLock;
    try {
      lock = await acquireLedgerLock(full);
    } catch (e) {
      release(full);
      if (e instanceof OlocusError) throw e;
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Cannot create the audit ledger ${full}: ${(e as Error).message}.`,
        { cause: e },
      );
    }
    let fh: FileHandle;
    try {
      fh = await open(full, 'ax');
    } catch (e) {
      release(full);
      await lock.release();
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new OlocusError(
          ErrorCode.INVALID_INPUT,
          `${full} already exists: a ledger is never overwritten. Resume it with Ledger.open, or start the ceremony in a new directory.`,
        );
      }
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Cannot create the audit ledger ${full}: ${(e as Error).message}.`,
        { cause: e },
      );
    }
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    try {
      await writeFully(fh, bytes);
      await fh.sync();
      await syncDirectory(dirname(full));
    } catch (e) {
      await fh.close();
      release(full);
      await lock.release();
      throw new OlocusError(
        ErrorCode.OPERATION_FAILED,
        `Could not write the first record of ${full}.`,
        { cause: e },
      );
    }
    const key = opening.data.audit_key && (loadAuditKey(opening.data.audit_key) as LoadedKey);
    const state = { head: record.hash, length: 1, size: bytes.length };
    const ledger = new Ledger(
      full,
      fh,
      state,
      opts.ceremonyId,
      key,
      opts.signer ?? undefined,
      clock,
      lock,
    );
    await ledger.noteTakeover(opts.actor);
    return ledger;
  }

  /** Reopens a ledger to continue it: verifies it all, and recovers a torn last line. */
  static async open(path: string, opts: OpenOptions = {}): Promise<OpenedLedger> {
    const full = resolve(path);
    const actor = opts.actor ?? 'olocus-ceremony';
    checkAppendInput({ actor, step: null, type: EVENT_RECOVERED });
    const clock = opts.clock ?? (() => new Date());
    // Claimed before verifying, so nothing in this process writes between the check and us.
    claim(full);
    let fh: FileHandle | undefined;
    let lock: HeldLock | undefined;
    try {
      lock = await acquireLedgerLock(full).catch((e: unknown) => {
        if (e instanceof OlocusError) throw e;
        throw new OlocusError(
          ErrorCode.INVALID_INPUT,
          `Cannot read the audit ledger ${full}: ${(e as Error).message}.`,
          { cause: e },
        );
      });
      const verification = await verifyLedger(full);
      const bad = verification.firstBad;
      if (bad && (bad.reason !== 'torn-tail' || verification.records === 0)) {
        throw new OlocusError(
          ErrorCode.INVALID_INPUT,
          `Cannot resume the audit ledger ${full}: ${bad.message}`,
        );
      }
      // Record 0 verified, so a missing key is the declaration, not damage.
      const key = verification.auditKey && (loadAuditKey(verification.auditKey) as LoadedKey);
      if (opts.signer && !key) {
        throw new OlocusError(
          ErrorCode.INVALID_INPUT,
          `Cannot resume the audit ledger ${full} with an audit signer: its record 0 declares that it has no audit key and is never signed, so it is not a ceremony's ledger.`,
        );
      }
      if (opts.signer && key) assertSignerHoldsKey(opts.signer, key.info);
      const recovered = verification.tornTail
        ? await recoverTornTail(full, verification.tornTail, clock())
        : null;
      fh = await open(full, 'a');
      const { size } = await fh.stat();
      const expected = recovered ? recovered.offset : verification.bytes;
      if (size !== expected) {
        throw new OlocusError(
          ErrorCode.OPERATION_FAILED,
          `The audit ledger ${full} changed while it was being verified (${size} bytes, expected ${expected}); is another process writing to it?`,
        );
      }
      const state = { head: verification.head, length: verification.records, size };
      const ceremonyId = verification.ceremonyId!;
      const ledger = new Ledger(full, fh, state, ceremonyId, key, opts.signer, clock, lock);
      // This recovery's own evidence, and any that a crash kept from being recorded before.
      for (const r of await findUnrecordedEvidence(full)) {
        const data = recoveryEventData(r.evidencePath === recovered?.evidencePath ? recovered : r);
        await ledger.write({ actor, step: null, type: EVENT_RECOVERED, data });
      }
      await ledger.noteTakeover(actor);
      return { ledger, recovered, verification };
    } catch (e) {
      await fh?.close();
      release(full);
      await lock?.release();
      throw e;
    }
  }

  /** Hash of the last record. */
  get head(): string {
    return this.state.head;
  }

  /** Number of records; the next record's seq. */
  get length(): number {
    return this.state.length;
  }

  /** Null when record 0 declares that this ledger has no audit key. */
  get auditKey(): AuditKeyInfo | null {
    return this.key?.info ?? null;
  }

  /** Appends one event; resolves once it is on stable storage. */
  async append(input: AppendInput): Promise<LedgerRecord> {
    checkAppendInput(input);
    if (RESERVED_TYPES.has(input.type)) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `${input.type} records are written by the ledger itself.`,
      );
    }
    const data = input.data ?? {};
    assertAuditData(data);
    // Snapshot now so a caller mutating its object after the call cannot change what is written.
    const frozen = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
    return this.queue.run(() => this.write({ ...input, data: frozen }));
  }

  /** Signs the current head with the audit signer and appends the chain.signed record. */
  async signHead(input: { actor: string; step: string | null }): Promise<LedgerRecord> {
    checkAppendInput({ ...input, type: EVENT_SIGNED });
    const signer = this.signer;
    const key = this.key;
    if (!key) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `The audit ledger ${this.path} declares that it has no audit key (head_signatures "none"), so its head is never signed.`,
      );
    }
    if (!signer) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        'This ledger was opened without an audit signer, so it cannot sign its head.',
      );
    }
    return this.queue.run(async () => {
      this.usable();
      const head = this.state.head;
      const seqSigned = this.state.length - 1;
      const message = headSignatureMessage(this.ceremonyId, seqSigned, head);
      const signature = await signer.sign(message);
      if (!verifySignature(key.key, key.info.algorithm, message, signature)) {
        const der = key.info.algorithm.startsWith('ecdsa') && signature[0] === 0x30;
        throw new OlocusError(
          ErrorCode.OPERATION_FAILED,
          `The audit signer returned a signature that does not verify under the ledger's audit key${der ? ' (it looks DER-encoded; ECDSA signatures must be raw r||s)' : ''}.`,
        );
      }
      const data: HeadSignatureData = {
        algorithm: key.info.algorithm,
        head,
        seq_signed: seqSigned,
        signature: Buffer.from(signature).toString('base64'),
      };
      return this.write({ ...input, type: EVENT_SIGNED, data: { ...data } });
    });
  }

  /** Waits for queued appends, then closes the file. */
  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      release(this.path);
      await this.fh.close();
      await this.lock.release();
    });
  }

  /** A stale lock this writer took over is said in the ledger, naming the process that held it. */
  private async noteTakeover(actor: string): Promise<void> {
    const dead = this.lock.takenOver;
    if (!dead) return;
    await this.write({
      actor,
      step: null,
      type: EVENT_LOCK_TAKEN_OVER,
      data: { pid: dead.pid, host: dead.host, started: dead.started, command: dead.command },
    });
  }

  private usable(): void {
    if (this.closed)
      throw new OlocusError(ErrorCode.INVALID_INPUT, `The audit ledger ${this.path} is closed.`);
    if (this.broken) {
      throw new OlocusError(
        ErrorCode.OPERATION_FAILED,
        `The audit ledger ${this.path} stopped accepting records after a failed write; reopen it with Ledger.open to verify and recover it.`,
        { cause: this.broken },
      );
    }
  }

  /** Runs inside the queue. */
  private async write(input: Required<AppendInput>): Promise<LedgerRecord> {
    this.usable();
    const { size } = await this.fh.stat();
    if (size !== this.state.size) {
      this.broken = new Error(`size ${size}, expected ${this.state.size}`);
      throw new OlocusError(
        ErrorCode.OPERATION_FAILED,
        `The audit ledger ${this.path} changed under this writer (${size} bytes, expected ${this.state.size}): another process is writing to it or it was edited.`,
      );
    }
    const { record, line } = encodeRecord({
      actor: input.actor,
      data: input.data,
      prev: this.state.head,
      seq: this.state.length,
      step: input.step,
      time: this.clock().toISOString(),
      type: input.type,
    });
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    try {
      await writeFully(this.fh, bytes);
      await this.fh.sync();
    } catch (e) {
      this.broken = e instanceof Error ? e : new Error(String(e));
      throw new OlocusError(
        ErrorCode.OPERATION_FAILED,
        `Could not write record ${record.seq} to ${this.path}.`,
        { cause: e },
      );
    }
    this.state = { head: record.hash, length: record.seq + 1, size: size + bytes.length };
    return record;
  }
}
