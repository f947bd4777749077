// The filter of `audit query` and the test one record must pass, apart from the query itself so
// that the worker thread checking half a ledger (verify-segment.ts) applies exactly the same test.
import type { VerifiedRecord } from './canonical-scan';
import { keyFieldsOf } from './events';

/** The filter after parsing: instants as ISO strings (how records write `time`), types exact. */
export interface AuditFilter {
  since: string | null;
  until: string | null;
  types: string[];
  key: string | null;
}

/** The test one record must pass; built once so the per-record work is a few comparisons. */
export function recordMatcher(
  f: AuditFilter,
): (r: Pick<VerifiedRecord, 'time' | 'type' | 'record'>) => boolean {
  const types = f.types.length ? new Set(f.types) : null;
  const { since, until, key } = f;
  return (r) => {
    // Records write time as Date#toISOString does, so string order is time order.
    if (since !== null && r.time < since) return false;
    if (until !== null && r.time > until) return false;
    if (types !== null && !types.has(r.type)) return false;
    if (key !== null && !keyFieldsOf(r.type).some((field) => r.record().data[field] === key))
      return false;
    return true;
  };
}
