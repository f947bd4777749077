// Key families on PKCS#11 tokens (docs/lifecycle.md), for every front: rotate, list versions,
// what is due, disable, schedule destruction under quorum, destroy, encrypt and decrypt.
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeySettings } from '../config/index';
import { approveWithRunQuorum } from '../ceremony/quorum-approval';
import type { QuorumApproval } from '../ceremony/quorum-approval';
import type { CeremonyRoom } from '../ceremony/run/room';
import type { CipherAlgorithm } from '../hsm/types';
import { formatPkcs11Uri } from '../hsm/uri';
import type { Pkcs11Uri } from '../hsm/uri';
import {
  LifecycleLedger,
  decryptEnvelope,
  destroyVersion,
  disableVersion,
  dueReport,
  encryptWithPrimary,
  familyVersions,
  loadInventory,
  precheckDestroy,
  rotateFamily,
  versionForUse,
  scheduleDestroy,
} from '../lifecycle/index';
import type {
  CiphertextEnvelope,
  DueReport,
  FamilyView,
  LifecycleAudit,
  LifecycleContext,
  LifecycleLedgerSummary,
  RetireResult,
  RotationResult,
} from '../lifecycle/index';
import { workspaceDir } from './app-info';
import { KEY_INVENTORY_DIR } from './runs-index';
import type { Connections } from './connections';
import { parsePkcs11Address } from './connections';

/** Where a change is recorded and who made it; every field optional. */
export interface LifecycleRecording {
  /** The signed inventory (default: keys/<token serial>.json in the workspace). */
  inventory?: string;
  /** A standalone ledger to append to (created if absent; an existing one must verify). */
  ledger?: string;
  /** A sink to write to instead (a ceremony's ledger). */
  audit?: LifecycleAudit;
  actor?: string;
}

export type WithLedger<T> = T & { ledger: LifecycleLedgerSummary | null };

const DAY = 86_400_000;

export class LifecycleOperations {
  constructor(
    private readonly connections: Connections,
    private readonly resolveUri: (text: string | undefined, what: string) => string,
    private readonly keys: () => KeySettings | undefined,
    private readonly now: () => Date,
    private readonly defaultInventory?: string,
  ) {}

  private async context(
    keyUri: string | undefined,
    rec: LifecycleRecording,
    what: string,
  ): Promise<{ ctx: LifecycleContext; uri: Pkcs11Uri; serial: string }> {
    const uri = parsePkcs11Address(this.resolveUri(keyUri, what));
    const { provider } = await this.connections.get(uri, 'always');
    const t = await provider.tokenInfo();
    const inventoryPath =
      rec.inventory ??
      this.defaultInventory ??
      join(
        await workspaceDir(),
        KEY_INVENTORY_DIR,
        `${t.serial.replace(/[^A-Za-z0-9._-]/g, '_')}.json`,
      );
    return {
      ctx: {
        provider,
        inventoryPath,
        keys: this.keys(),
        now: this.now,
        actor: rec.actor ?? userInfo().username,
        audit: rec.audit,
      },
      uri,
      serial: t.serial,
    };
  }

  /** Runs `fn` with the standalone ledger's sink when `rec.ledger` names one. */
  private async recorded<T>(
    ctx: LifecycleContext,
    rec: LifecycleRecording,
    command: string,
    fn: (ctx: LifecycleContext) => Promise<T>,
  ): Promise<WithLedger<T>> {
    if (!rec.ledger) return { ...(await fn(ctx)), ledger: null };
    const ledger = await LifecycleLedger.open(rec.ledger, {
      actor: ctx.actor,
      command,
      clock: this.now,
    });
    let summary: LifecycleLedgerSummary | null = null;
    try {
      const r = await fn({ ...ctx, audit: ledger.audit });
      summary = await ledger.close();
      return { ...r, ledger: summary };
    } finally {
      if (!summary) await ledger.close();
    }
  }

  /** The URI of a version on the token the request named (module, token, pin-source kept). */
  versionUri(uri: Pkcs11Uri, label: string): string {
    return formatPkcs11Uri({ ...uri, object: label, type: undefined, id: undefined });
  }

  async rotate(
    keyUri: string,
    opts: LifecycleRecording & { reason?: string; ifDue?: boolean; approvedBy?: string[] } = {},
  ): Promise<WithLedger<RotationResult & { uri: string }>> {
    const { ctx, uri } = await this.context(keyUri, opts, 'key');
    return this.recorded(ctx, opts, 'keys rotate', async (c) => {
      const r = await rotateFamily(c, uri.object, {
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.ifDue ? { ifDue: true } : {}),
        ...(opts.approvedBy ? { approvedBy: opts.approvedBy } : {}),
      });
      return { ...r, uri: this.versionUri(uri, r.primary.label) };
    });
  }

  async versions(keyUri: string, opts: { inventory?: string } = {}): Promise<FamilyView> {
    const { ctx, uri } = await this.context(keyUri, opts, 'key');
    return familyVersions(ctx, uri.object);
  }

  /** The families the token's inventory records, with the token URI they were read through. */
  async families(
    hsmUri: string | undefined,
    opts: { inventory?: string } = {},
  ): Promise<{ families: string[]; inventory: string; tokenUri: Pkcs11Uri; serial: string }> {
    const { ctx, uri, serial } = await this.context(hsmUri, opts, 'token URI');
    const inv = await loadInventory(ctx.provider, ctx.inventoryPath);
    return {
      families: Object.keys(inv.doc.families).sort(),
      inventory: inv.path,
      tokenUri: uri,
      serial,
    };
  }

  async due(
    hsmUri: string | undefined,
    opts: { inventory?: string; withinMs?: number } = {},
  ): Promise<DueReport> {
    const { ctx } = await this.context(hsmUri, opts, 'token URI');
    return dueReport(ctx, opts.withinMs);
  }

  async disable(
    keyUri: string,
    opts: LifecycleRecording & { reason?: string } = {},
  ): Promise<WithLedger<RetireResult>> {
    const { ctx, uri } = await this.context(keyUri, opts, 'key');
    return this.recorded(ctx, opts, 'keys disable', (c) =>
      disableVersion(c, uri.object, opts.reason ? { reason: opts.reason } : {}),
    );
  }

  /**
   * Schedules a version's destruction once the officers of the ceremony run `runDir` have proven
   * a quorum of their token shares through `room` (as destroy_source does in a ceremony).
   */
  async scheduleDestroy(
    keyUri: string,
    runDir: string,
    room: CeremonyRoom,
    opts: LifecycleRecording & { delayMs?: number } = {},
  ): Promise<WithLedger<RetireResult & { approval: QuorumApproval }>> {
    const { ctx, uri, serial } = await this.context(keyUri, opts, 'key');
    await precheckDestroy(ctx, uri.object);
    const approval = await approveWithRunQuorum(runDir, room, {
      purpose: `destroying "${uri.object ?? '?'}" on token serial ${serial}`,
      tokenSerial: serial,
    });
    return this.recorded(ctx, opts, 'keys schedule-destroy', async (c) => ({
      ...(await scheduleDestroy(c, uri.object, {
        approvedBy: approval.approvedBy,
        delayMs: opts.delayMs ?? 30 * DAY,
        ceremony: approval.ceremonyId,
        threshold: approval.threshold,
      })),
      approval,
    }));
  }

  async destroy(keyUri: string, opts: LifecycleRecording = {}): Promise<WithLedger<RetireResult>> {
    const { ctx, uri } = await this.context(keyUri, opts, 'key');
    return this.recorded(ctx, opts, 'keys destroy', (c) => destroyVersion(c, uri.object));
  }

  async encrypt(
    keyUri: string,
    data: Uint8Array,
    opts: { inventory?: string; alg?: CipherAlgorithm } = {},
  ): Promise<CiphertextEnvelope> {
    const { ctx, uri } = await this.context(keyUri, opts, 'key');
    return encryptWithPrimary(ctx, uri.object, data, opts.alg);
  }

  /**
   * A URI whose object is a family address (`root@latest`, `root@3`) turned into the version's own
   * label and id, for sign (primary only) and verify (enabled versions); any other URI unchanged.
   */
  async resolveAddress(uri: Pkcs11Uri, use: 'sign' | 'verify'): Promise<Pkcs11Uri> {
    // Only the family forms: a plain label may hold '@' (object=ops@example.org) and keeps working.
    if (uri.object === undefined || !/@(latest|v?[1-9]\d*)$/.test(uri.object)) return uri;
    const { ctx } = await this.context(formatPkcs11Uri(uri), {}, 'key');
    const v = await versionForUse(ctx, uri.object, use);
    return { ...uri, object: v.label, id: v.id };
  }

  /** Decrypts with the version the envelope names; the URI names the token (its object, if any, must be the family). */
  async decrypt(
    keyUri: string,
    envelope: CiphertextEnvelope,
    opts: { inventory?: string } = {},
  ): Promise<{ plaintext: Uint8Array; family: string; version: number; state: string }> {
    const { ctx, uri } = await this.context(keyUri, opts, 'key');
    if (uri.object !== undefined && uri.object.split('@')[0] !== envelope.family)
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `The ciphertext was made by key family "${envelope.family}", not "${uri.object.split('@')[0]}".`,
      );
    return decryptEnvelope(ctx, envelope);
  }
}
