// Subscribes the store to every run event of `window.olocus`, and moves the wizard to the
// screen where the room is needed when "follow the run" is on. Returns one unsubscribe.
import type { EventOf, OlocusApi } from '../../../shared/olocus-api';
import type { AppStore } from './index';
import type { RunEventName } from './run-slice';
import type { ScreenId } from './ui-slice';

const SUBSCRIBE: Record<RunEventName, keyof OlocusApi> = {
  runProgress: 'onRunProgress',
  runLedgerAppended: 'onRunLedgerAppended',
  runShareNeeded: 'onRunShareNeeded',
  runWitnessNeeded: 'onRunWitnessNeeded',
  runPassphraseNeeded: 'onRunPassphraseNeeded',
  runCardsIssued: 'onRunCardsIssued',
  runRequestClosed: 'onRunRequestClosed',
  runFinished: 'onRunFinished',
  runCardHandOver: 'onRunCardHandOver',
};

/** Where an event sends a following wizard; null when it should stay where it is. */
export function screenFor(name: RunEventName, payload: unknown): ScreenId | null {
  switch (name) {
    case 'runShareNeeded':
    case 'runPassphraseNeeded':
      return 'quorum';
    case 'runWitnessNeeded':
      return 'audit';
    case 'runCardsIssued':
      return 'keys';
    case 'runFinished':
      return (payload as EventOf<'runFinished'>).state === 'finished' ? 'report' : null;
    default:
      return null;
  }
}

export function connectRunEvents(olocus: OlocusApi, store: AppStore): () => void {
  const offs = (Object.keys(SUBSCRIBE) as RunEventName[]).map((name) => {
    const subscribe = olocus[SUBSCRIBE[name]] as (l: (p: unknown) => void) => () => void;
    return subscribe((payload) => {
      const before = store.getState().runId;
      store.getState().receive(name, payload as never);
      const s = store.getState();
      const ours = s.runId !== null && (payload as { runId?: string }).runId === s.runId;
      if (!ours && before === null) return;
      if (name === 'runFinished' && ours) void refreshStatus(olocus, store);
      const to = ours && s.followRun ? screenFor(name, payload) : null;
      if (to && s.screen !== to) s.go(to);
    });
  });
  return () => offs.forEach((off) => off());
}

/** Asks main for the run's state (its result once finished, open questions after a reload). */
export async function refreshStatus(olocus: OlocusApi, store: AppStore): Promise<void> {
  const runId = store.getState().runId;
  if (!runId) return;
  const r = await olocus.runStatus({ runId });
  if (r.ok) store.getState().applyStatus(r.value);
}
