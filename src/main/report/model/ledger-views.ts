// The ledger read section by section: who signed off, which custodians presented shares and
// whether each share's commitment matched the one published when the secret was split, what
// each step did, which keys were made. Pure functions of the records, so tests can feed them.
import type { LedgerRecord } from '../../audit/index';

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

export interface WitnessSignoff {
  seq: number;
  time: string;
  step: string | null;
  witness: string;
  statement: string;
}

export function witnessSignoffs(records: LedgerRecord[]): WitnessSignoff[] {
  return records
    .filter((r) => r.type === 'witness.signed')
    .map((r) => ({
      seq: r.seq,
      time: r.time,
      step: r.step,
      witness: str(r.data.witness),
      statement: str(r.data.statement),
    }));
}

export interface Split {
  seq: number;
  step: string | null;
  split: string;
  protects: string;
  threshold: number;
  total: number;
  commitments: Record<string, string>;
}

export function splits(records: LedgerRecord[]): Split[] {
  return records
    .filter((r) => r.type === 'secret.split')
    .map((r) => ({
      seq: r.seq,
      step: r.step,
      split: str(r.data.split),
      protects: str(r.data.protects),
      threshold: Number(r.data.threshold ?? 0),
      total: Number(r.data.total ?? 0),
      commitments: (r.data.commitments as Record<string, string> | undefined) ?? {},
    }));
}

export interface CardFate {
  seq: number;
  card: string;
  custodian: string;
  sha256: string;
  fate: string;
}

/** What became of each share card: destroyed after receipt, or kept (keep_cards: true). */
export function cardFates(records: LedgerRecord[]): CardFate[] {
  const out: CardFate[] = [];
  for (const r of records) {
    if (r.type === 'card.destroyed')
      out.push({
        seq: r.seq,
        card: str(r.data.card),
        custodian: str(r.data.custodian),
        sha256: str(r.data.sha256),
        fate: `destroyed after ${str(r.data.receipt_confirmed_by)} confirmed receipt`,
      });
    if (r.type === 'cards.kept' && Array.isArray(r.data.cards))
      for (const c of r.data.cards as Record<string, unknown>[])
        out.push({
          seq: r.seq,
          card: str(c.card),
          custodian: str(c.custodian),
          sha256: str(c.sha256),
          fate: 'KEPT in the run directory (keep_cards: true)',
        });
  }
  return out;
}

export interface QuorumEvent {
  seq: number;
  time: string;
  step: string | null;
  kind: 'accepted' | 'refused' | 'quorum met';
  custodian: string;
  /** For accepted shares: which published commitment the presented one matched. */
  check: string;
}

export function quorumEvents(records: LedgerRecord[]): QuorumEvent[] {
  const published = splits(records);
  const out: QuorumEvent[] = [];
  for (const r of records) {
    if (r.type === 'share.accepted') {
      const custodian = str(r.data.custodian);
      const commitment = str(r.data.commitment);
      const hit = published.find((s) => s.seq < r.seq && s.commitments[custodian] === commitment);
      out.push({
        seq: r.seq,
        time: r.time,
        step: r.step,
        kind: 'accepted',
        custodian,
        check: hit
          ? `matches ${custodian}'s commitment for ${hit.split} (seq ${hit.seq}): ${commitment.slice(0, 16)}...`
          : `NO MATCH with any published commitment: ${commitment.slice(0, 16)}...`,
      });
    } else if (r.type === 'share.refused') {
      out.push({
        seq: r.seq,
        time: r.time,
        step: r.step,
        kind: 'refused',
        custodian: str(r.data.custodian) || '(unidentified)',
        check: str(r.data.reason),
      });
    } else if (r.type === 'quorum.met') {
      const who = Array.isArray(r.data.custodians) ? r.data.custodians.map(str).join(', ') : '';
      out.push({
        seq: r.seq,
        time: r.time,
        step: r.step,
        kind: 'quorum met',
        custodian: who,
        check: `${str(r.data.split)}: threshold ${str(r.data.threshold)} reached`,
      });
    }
  }
  return out;
}

export interface StepRow {
  step: string;
  title: string;
  type: string;
  started: string | null;
  completed: string | null;
  actor: string;
  results: unknown;
  other: string[];
}

/** Steps in ledger order, from step.* records (step.started, step.completed, step.recovered…). */
export function stepRows(records: LedgerRecord[]): StepRow[] {
  const rows = new Map<string, StepRow>();
  for (const r of records) {
    if (!r.type.startsWith('step.') || !r.step) continue;
    let row = rows.get(r.step);
    if (!row) {
      row = {
        step: r.step,
        title: '',
        type: '',
        started: null,
        completed: null,
        actor: r.actor,
        results: null,
        other: [],
      };
      rows.set(r.step, row);
    }
    if (r.type === 'step.started') {
      row.title = str(r.data.title);
      row.type = str(r.data.type);
      row.started = str(r.data.at) || r.time;
      row.actor = r.actor;
    } else if (r.type === 'step.completed') {
      row.completed = r.time;
      row.results = r.data.results ?? null;
    } else row.other.push(`${r.type} (seq ${r.seq})`);
  }
  return [...rows.values()];
}

export interface KeyRow {
  seq: number;
  step: string | null;
  label: string;
  type: string;
  klass: string;
  id: string;
  spkiSha256: string | null;
  kcv: string | null;
  provenance: Record<string, unknown>;
  purpose: string;
}

export function keyRows(records: LedgerRecord[]): KeyRow[] {
  return records
    .filter((r) => r.type === 'key.generated')
    .map((r) => ({
      seq: r.seq,
      step: r.step,
      label: str(r.data.label),
      type: str(r.data.type ?? r.data.key_type),
      klass: str(r.data.class) || 'private',
      id: str(r.data.id),
      spkiSha256: typeof r.data.spki_sha256 === 'string' ? r.data.spki_sha256 : null,
      kcv: typeof r.data.kcv === 'string' ? r.data.kcv : null,
      provenance: (r.data.provenance as Record<string, unknown> | undefined) ?? {},
      purpose: str(r.data.purpose),
    }));
}

export function recordsOfType(records: LedgerRecord[], type: string): LedgerRecord[] {
  return records.filter((r) => r.type === type);
}

export interface TypeSummary {
  type: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  firstTime: string;
  lastTime: string;
}

export function typeSummary(records: LedgerRecord[]): TypeSummary[] {
  const by = new Map<string, TypeSummary>();
  for (const r of records) {
    const t = by.get(r.type);
    if (t) {
      t.count++;
      t.lastSeq = r.seq;
      t.lastTime = r.time;
    } else
      by.set(r.type, {
        type: r.type,
        count: 1,
        firstSeq: r.seq,
        lastSeq: r.seq,
        firstTime: r.time,
        lastTime: r.time,
      });
  }
  return [...by.values()].sort((a, b) => a.firstSeq - b.firstSeq);
}
