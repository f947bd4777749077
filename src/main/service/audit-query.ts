// Where a query's ledger is: the file named, or the audit.jsonl of the run directory named.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A missing path is left for the query to name ("There is no ledger at …"). */
export async function ledgerFileOf(path: string): Promise<string> {
  try {
    return (await stat(path)).isDirectory() ? join(path, 'audit.jsonl') : path;
  } catch {
    return path;
  }
}

/** The catalogue's event types, for fronts that offer them as a filter (ipc may not import audit/). */
export { LEDGER_EVENT_TYPES } from '../audit/events';
