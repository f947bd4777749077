// Starting (or resuming) the run: the store learns the run id before any of its events count,
// and the id is kept for this window's session so a reload can ask runStatus what is open.
import type { OlocusApi } from '../../../shared/olocus-api';
import type { AppStore } from '../store';

const RUN_KEY = 'olocus.runId';

export async function startRun(
  olocus: OlocusApi,
  store: AppStore,
  session: Pick<Storage, 'setItem'> | null,
): Promise<boolean> {
  const s = store.getState();
  const dir = s.outDir.trim();
  s.beginStart(dir);
  const r = await olocus.startCeremony({ scriptPath: s.scriptPath.trim(), dir });
  if (!r.ok) {
    store.getState().startFailed(r.error);
    return false;
  }
  store.getState().started(r.value.runId);
  try {
    session?.setItem(RUN_KEY, r.value.runId);
  } catch {
    // Without session storage a reload simply starts at Home.
  }
  return true;
}

/** After a reload: the run this window was following, if main still knows it. */
export async function reattach(
  olocus: OlocusApi,
  store: AppStore,
  session: Pick<Storage, 'getItem'> | null,
): Promise<boolean> {
  let runId: string | null = null;
  try {
    runId = session?.getItem(RUN_KEY) ?? null;
  } catch {
    runId = null;
  }
  if (!runId) return false;
  const r = await olocus.runStatus({ runId });
  if (!r.ok) return false;
  store.getState().applyStatus(r.value);
  return true;
}
