// `audit query LEDGER`: the records an auditor asks for (time range, event types, a key), shown
// only when the whole ledger verifies. A ledger that does not verify exits 1 with its first bad
// record and no records (see src/main/audit/query.ts for why).
import type { AuditQueryResult } from '../../main/audit/index';
import { TIME_FORMS } from '../../main/audit/index';
import { queryAudit, queryAuditLines } from '../../main/service/audit-query';
import { summarizeRecord } from '../../main/service/ledger-page';
import { EXIT } from '../errors';
import { fields } from '../output';
import type { CommandSpec } from '../spec';
import { listFlag, optionalString } from '../spec';

/** One line per record: seq, time, type, actor, then what the record says. */
function recordLines(r: AuditQueryResult): string[] {
  const rows = r.records.map((x) => [String(x.seq), x.time, x.type, x.actor, summarizeRecord(x)]);
  const widths = [0, 1, 2, 3].map((i) =>
    rows.reduce(
      (w, row) => Math.max(w, row[i]!.length),
      ['#', 'Time (UTC)', 'Event', 'Actor'][i]!.length,
    ),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell))
      .join('  ')
      .trimEnd();
  return [line(['#', 'Time (UTC)', 'Event', 'Actor', 'Details']), ...rows.map(line)];
}

function human(r: AuditQueryResult): string {
  const f = r.filter;
  const header = fields([
    ['Ledger', r.ledger],
    ['Ceremony', r.verification.ceremonyId ?? 'unknown'],
    ['Since', f.since ?? 'the first record'],
    ['Until', f.until ?? 'the last record'],
    ['Types', f.types.length ? f.types.join(', ') : 'all'],
    ['Key', f.key ?? 'any'],
    ['Head', r.verification.head],
  ]);
  const parts = [header, '', r.verdict];
  if (r.ok) parts.push('', r.matched ? recordLines(r).join('\n') : 'No record matches.');
  return parts.join('\n');
}

/**
 * The --json document: the result's members as `JSON.stringify(…, null, 2)` writes them, then
 * `records`, each the record's canonical JSON line (the same record, one line each).
 */
export function jsonDocument(result: Omit<AuditQueryResult, 'records'>, lines: string[]): string {
  const head = JSON.stringify(result, null, 2);
  const records = lines.length ? `[\n    ${lines.join(',\n    ')}\n  ]` : '[]';
  return `${head.slice(0, -2)},\n  "records": ${records}\n}`;
}

export const auditQueryCommand: CommandSpec = {
  words: ['audit', 'query'],
  usage: 'audit query LEDGER [--since T] [--until T] [--type T]… [--key NAME]',
  summary: 'verifies a ledger, then lists its records in a time range, of given types, about a key',
  details: [
    `T for --since/--until is ${TIME_FORMS}; both ends are inclusive.`,
    '--type may be given more than once (any of them matches); key.* names a family.',
    '--key matches the label the record names (data.label, or data.key for certificates and attestations).',
    'LEDGER is an audit.jsonl or a run folder. Exit 1, showing no record, when the ledger does not verify.',
  ],
  flags: {
    since: { type: 'string', value: 'T', help: 'records at or after T' },
    until: { type: 'string', value: 'T', help: 'records at or before T' },
    type: { type: 'string', value: 'T', help: 'an event type (repeatable)', multiple: true },
    key: { type: 'string', value: 'NAME', help: 'records about the key labelled NAME' },
  },
  positionals: ['LEDGER'],
  // The facade's queryAudit without the facade: a query loads only the verifier.
  standalone: true,
  async run(ctx) {
    const since = optionalString(ctx, 'since');
    const until = optionalString(ctx, 'until');
    const key = optionalString(ctx, 'key');
    const types = listFlag(ctx, 'type');
    const query = {
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(key !== undefined ? { key } : {}),
      types,
    };
    if (ctx.out.json) {
      // The matches go out as the ledger's own lines: a large answer is not parsed and re-encoded.
      const { result, lines } = await queryAuditLines(ctx.positionals[0]!, query);
      ctx.out.resultJson(jsonDocument(result, lines));
      return result.ok ? EXIT.OK : EXIT.NOT_VALID;
    }
    const r = await queryAudit(ctx.positionals[0]!, query);
    ctx.out.result(r, () => human(r));
    return r.ok ? EXIT.OK : EXIT.NOT_VALID;
  },
};
