// Where lifecycle events go: the ceremony's ledger in a ceremony, a standalone hash-chained
// ledger with `--ledger FILE` outside one (audit/standalone-ledger.ts, as the transfer ledger),
// or nowhere, in which case the signed inventory is the only record and the caller is told so.
import { StandaloneLedger } from '../audit/standalone-ledger';
import type { StandaloneLedgerSummary } from '../audit/standalone-ledger';
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

export type LifecycleLedgerSummary = StandaloneLedgerSummary;

export class LifecycleLedger {
  private constructor(private readonly file: StandaloneLedger) {}

  /** Opens `path` (created if absent); an existing ledger must verify, or nothing is touched. */
  static async open(
    path: string,
    opts: { actor: string; command: string; clock?: () => Date },
  ): Promise<LifecycleLedger> {
    return new LifecycleLedger(
      await StandaloneLedger.open(path, {
        ...opts,
        purpose: { text: 'key lifecycle changes outside a ceremony', idPrefix: 'key-lifecycle' },
      }),
    );
  }

  get created(): boolean {
    return this.file.created;
  }

  readonly audit: LifecycleAudit = { event: (type, data) => this.file.append(type, data) };

  close(): Promise<LifecycleLedgerSummary> {
    return this.file.close();
  }
}
