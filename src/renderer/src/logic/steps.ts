// Where each step of the plan stands, read off the ledger main is writing (the ledger is the
// truth: a step is done when its step.completed record is there).
import type { LedgerRow } from '../api/client';

/** A step as the timeline shows it, from the ledger (StepStatus is the run's state.json, in main). */
export type StepProgress = 'pending' | 'running' | 'done';

export function stepStatuses(stepIds: string[], ledger: LedgerRow[]): Record<string, StepProgress> {
  const out: Record<string, StepProgress> = Object.fromEntries(
    stepIds.map((id) => [id, 'pending']),
  );
  for (const r of ledger) {
    if (!r.step || !(r.step in out)) continue;
    if (r.type === 'step.completed') out[r.step] = 'done';
    else if (out[r.step] === 'pending') out[r.step] = 'running';
  }
  return out;
}

/** How many ledger records each witness request is about, for the timeline's sign-off rows. */
export function witnessSigned(ledger: LedgerRow[], stepId: string): boolean {
  return ledger.some((r) => r.step === stepId && r.type === 'witness.signed');
}
