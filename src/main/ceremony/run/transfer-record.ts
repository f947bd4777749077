// What the ledger already says about a transfer step. The ledger, not the state file, is the
// record of a transfer: it is appended (durably) the moment the copy is proven, so a run that
// stopped before its state caught up still knows the key moved and never moves it twice.
import type { LedgerEventType } from '../../audit/events';
import { readLedgerRecords } from '../../audit/record-reader';
import type { LedgerRecord } from '../../audit/types';
import type { RunContext } from './context';

export interface RecordedTransfer {
  /** A migration of this step passed its checks and began (the target label was free then). */
  started: boolean;
  migrated: Record<string, unknown> | null;
  approval: Record<string, unknown> | null;
  destroyed: Record<string, unknown> | null;
}

export async function recordedTransfer(ctx: RunContext, stepId: string): Promise<RecordedTransfer> {
  const found: RecordedTransfer = {
    started: false,
    migrated: null,
    approval: null,
    destroyed: null,
  };
  let records: LedgerRecord[];
  try {
    ({ records } = await readLedgerRecords(ctx.path('audit.jsonl')));
  } catch {
    return found;
  }
  // A torn last line is skipped here; the ledger itself recovers it.
  for (const r of records) {
    if (r.step !== stepId) continue;
    const type = r.type as LedgerEventType;
    if (type === 'transfer.started') found.started = true;
    else if (type === 'key.migrated') found.migrated = r.data;
    else if (type === 'transfer.destroy_approved') found.approval = r.data;
    else if (type === 'key.source_destroyed') found.destroyed = r.data;
  }
  return found;
}
