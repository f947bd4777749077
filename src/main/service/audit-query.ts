// The facade's audit query (CeremonyService.queryAudit), kept in a module that imports only
// audit/: the CLI's `audit query` calls it without loading the service's other domains, so a
// query over a large ledger pays for verification, not for pdfkit and pkijs.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAuditFilter, queryLedger, queryLedgerLines } from '../audit/index';
import type { AuditQueryInput, AuditQueryResult } from '../audit/index';

/** A missing path is left for the query to name ("There is no ledger at …"). */
export async function ledgerFileOf(path: string): Promise<string> {
  try {
    return (await stat(path)).isDirectory() ? join(path, 'audit.jsonl') : path;
  } catch {
    return path;
  }
}

/** Verifies the ledger (a file or a run directory), then returns its records that match. */
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

/**
 * The same query for a front that prints JSON: each matching record as its line, the canonical
 * JSON the ledger holds, so a large answer is not parsed only to be written out again.
 */
export async function queryAuditLines(
  path: string,
  query: AuditQueryInput = {},
  options: { now?: Date } = {},
): Promise<{ result: Omit<AuditQueryResult, 'records'>; lines: string[] }> {
  const filter = parseAuditFilter(query, options.now ?? new Date());
  return queryLedgerLines(await ledgerFileOf(path), filter);
}

/** The catalogue's event types, for fronts that offer them as a filter (ipc may not import audit/). */
export { LEDGER_EVENT_TYPES } from '../audit/events';
