// Audit queries for the service: where the ledger is (the file named, or the audit.jsonl of the run
// directory named) and which of its records match a filter.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAuditFilter, queryLedger } from '../audit/index';
import type { AuditQueryInput, AuditQueryResult } from '../audit/index';

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

/**
 * The records of a ledger that match a time range, event types and a key label, after the whole
 * ledger verified. Bad filters are INVALID_INPUT before anything is read.
 */
export async function queryAudit(
  path: string,
  query: AuditQueryInput = {},
  options: { now?: Date; limit?: number } = {},
): Promise<AuditQueryResult> {
  const filter = parseAuditFilter(query, options.now ?? new Date());
  return queryLedger(
    await ledgerFileOf(path),
    filter,
    options.limit !== undefined ? { limit: options.limit } : {},
  );
}
