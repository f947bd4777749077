// What the ledger already says about a transfer step. The ledger, not the state file, is the
// record of a transfer: it is appended (durably) the moment the copy is proven, so a run that
// stopped before its state caught up still knows the key moved and never moves it twice.
import { readFile } from 'node:fs/promises';
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
  let text: string;
  try {
    text = await readFile(ctx.path('audit.jsonl'), 'utf8');
  } catch {
    return found;
  }
  for (const line of text.split('\n')) {
    let r: { step?: unknown; type?: unknown; data?: Record<string, unknown> };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue; // An empty line at the end, or a torn last line the ledger itself recovers.
    }
    if (r.step !== stepId || !r.data) continue;
    if (r.type === 'transfer.started') found.started = true;
    else if (r.type === 'key.migrated') found.migrated = r.data;
    else if (r.type === 'transfer.destroy_approved') found.approval = r.data;
    else if (r.type === 'key.source_destroyed') found.destroyed = r.data;
  }
  return found;
}
