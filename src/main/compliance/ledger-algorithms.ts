// Every key type and mechanism a ledger mentions, each judged by the algorithm policy. The ledger
// is searched generically (any `type`, `key_type`, `algorithm`, `mechanism` or `wrap` member at any
// depth) so that an event type added later is still covered without touching this file.
import type { LedgerRecord } from '../audit/index';
import { KEY_TYPES } from '../hsm/types';
import { assessAlgorithm, canonicalAlgorithm } from './algorithm-policy';
import type { AlgorithmAssessment } from './algorithm-policy';

export interface LedgerAlgorithm extends AlgorithmAssessment {
  /** The names the ledger used for it, as written. */
  spelledAs: string[];
  /** Seq numbers of the records that mention it (first few). */
  seqs: number[];
  mentions: number;
}

const FIELDS = new Set(['type', 'key_type', 'algorithm', 'mechanism', 'wrap', 'signing_algorithm']);
const KEY_TYPE_SET = new Set<string>(KEY_TYPES);

function* candidates(value: unknown, key: string | null): Generator<string> {
  if (typeof value === 'string') {
    // `type` is also the name of events and steps; only key types count there.
    if (key === 'type' ? KEY_TYPE_SET.has(value) : key !== null && FIELDS.has(key)) yield value;
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) yield* candidates(v, key);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* candidates(v, k);
  }
}

export function ledgerAlgorithms(records: Iterable<LedgerRecord>): LedgerAlgorithm[] {
  const found = new Map<string, LedgerAlgorithm>();
  for (const r of records) {
    for (const name of candidates(r.data, null)) {
      const id = canonicalAlgorithm(name) ?? name;
      let a = found.get(id);
      if (!a) {
        a = { ...assessAlgorithm(name), spelledAs: [], seqs: [], mentions: 0 };
        found.set(id, a);
      }
      a.mentions++;
      if (!a.spelledAs.includes(name)) a.spelledAs.push(name);
      if (a.seqs.length < 5 && !a.seqs.includes(r.seq)) a.seqs.push(r.seq);
    }
  }
  return [...found.values()].sort((x, y) => x.label.localeCompare(y.label));
}
