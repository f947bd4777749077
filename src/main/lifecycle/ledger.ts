// Where lifecycle events go: the ceremony's ledger in a ceremony, a standalone hash-chained
// ledger with `--ledger FILE` outside one (the ceremony format, no audit key, like the transfer
// ledger), or nowhere, in which case the signed inventory is the only record and the caller is
// told so.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { HEAD_SIGNATURES_NONE, Ledger, verifyLedger } from '../audit/index';
import type { LedgerEventType } from '../audit/index';

export type LifecycleEventType = Extract<
  LedgerEventType,
  | 'key.rotated'
  | 'key.rotation_refused'
  | 'key.version_disabled'
  | 'key.destroy_scheduled'
  | 'key.version_destroyed'
>;

export interface LifecycleAudit {
  event(type: LifecycleEventType, data: Record<string, unknown>): Promise<void>;
}

export interface LifecycleLedgerSummary {
  path: string;
  created: boolean;
  appended: number;
  records: number;
  head: string;
}

export class LifecycleLedger {
  private appended = 0;
  private constructor(
    private readonly ledger: Ledger,
    private readonly actor: string,
    readonly created: boolean,
  ) {}

  /** Opens `path` (created if absent); an existing ledger must verify, or nothing is touched. */
  static async open(
    path: string,
    opts: { actor: string; command: string; clock?: () => Date },
  ): Promise<LifecycleLedger> {
    const clock = opts.clock ?? (() => new Date());
    if (!existsSync(path)) {
      const stamp = clock()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const ledger = await Ledger.create(path, {
        ceremonyId: `key-lifecycle-${stamp}-${randomBytes(3).toString('hex')}`,
        actor: opts.actor,
        signer: null,
        data: {
          purpose: 'key lifecycle changes outside a ceremony',
          command: opts.command,
          head_signatures: HEAD_SIGNATURES_NONE,
        },
        clock,
      });
      return new LifecycleLedger(ledger, opts.actor, true);
    }
    const check = await verifyLedger(path);
    if (check.firstBad) {
      const b = check.firstBad;
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Refusing to append to the ledger ${path}: it does not verify at record ${b.seq ?? '?'} (line ${b.line}, ${b.reason}): ${b.message} Nothing was written to it and no key was touched.`,
      );
    }
    const { ledger } = await Ledger.open(path, { actor: opts.actor, clock });
    return new LifecycleLedger(ledger, opts.actor, false);
  }

  readonly audit: LifecycleAudit = {
    event: async (type, data) => {
      await this.ledger.append({ actor: this.actor, step: null, type, data });
      this.appended++;
    },
  };

  async close(): Promise<LifecycleLedgerSummary> {
    const summary = {
      path: this.ledger.path,
      created: this.created,
      appended: this.appended,
      records: this.ledger.length,
      head: this.ledger.head,
    };
    await this.ledger.close();
    return summary;
  }
}
