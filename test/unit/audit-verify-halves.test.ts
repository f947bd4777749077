// A large ledger's two halves verified in two threads (src/main/audit/verify-parallel.ts): the
// answer is the sequential answer, and damage exactly at the seam between the halves, which
// each half alone cannot see, is still caught and worded as the sequential check words it.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeRecord,
  parseAuditFilter,
  queryLedger,
  recordMatcher,
  type AuditFilter,
  type LedgerRecord,
} from '../../src/main/audit';
import {
  SPLIT_FRACTION,
  lineStartAfter,
  verifyInHalves,
} from '../../src/main/audit/verify-parallel';
import { writeGeneratedLedger } from '../helpers/generated-ledger';

let dir: string;
let honestPath: string;
let honest: string[];
/** Index of the first line of the second half: the record the worker thread starts at. */
let k: number;
const COUNT = 3000;
const filter: AuditFilter = parseAuditFilter({ types: ['signature.created', 'chain.signed'] });

const parse = (line: string): LedgerRecord => JSON.parse(line) as LedgerRecord;

/** A forger's rewrite of every hash from line `from` on (as in audit-tamper.test.ts). */
function rechain(lines: string[], from: number, renumber = false): string[] {
  const out = lines.slice(0, from);
  let prev = parse(lines[from - 1]!).hash;
  for (let i = from; i < lines.length; i++) {
    const { hash: _h, ...rest } = parse(lines[i]!);
    const { record, line } = encodeRecord({ ...rest, prev, seq: renumber ? i : rest.seq });
    out.push(line);
    prev = record.hash;
  }
  return out;
}

let n = 0;
function ledgerOf(lines: string[]): string {
  const path = join(dir, `ledger-${n++}.jsonl`);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

const inHalves = (path: string) =>
  verifyInHalves(path, statSync(path).size, { filter, limit: null }, recordMatcher(filter), {
    record: (r) => r.record(),
    line: parse,
  });
const sequential = (path: string) => queryLedger(path, filter, { parallelFromBytes: Infinity });
const parallel = (path: string) => queryLedger(path, filter, { parallelFromBytes: 0 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'olocus-halves-'));
  honestPath = join(dir, 'audit.jsonl');
  writeGeneratedLedger(honestPath, COUNT, 500);
  const text = readFileSync(honestPath, 'utf8');
  honest = text.split('\n').slice(0, -1);
  const split = (await lineStartAfter(
    honestPath,
    Math.floor(text.length * SPLIT_FRACTION),
    text.length,
  ))!;
  k = text.slice(0, split).split('\n').length - 1;
  expect(k).toBeGreaterThan(1000);
  expect(k).toBeLessThan(2000);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a ledger verified in two halves', () => {
  it('gives exactly the sequential answer on an honest ledger, and takes the two-thread path', async () => {
    const both = await inHalves(honestPath);
    expect(both).not.toBeNull();
    expect(both!.v).toMatchObject({ ok: true, records: COUNT, signaturesChecked: 6 });
    const [seq, par] = [await sequential(honestPath), await parallel(honestPath)];
    expect(par).toEqual(seq);
    expect(par.ok).toBe(true);
    const byHand = honest.map(parse).filter((r) => filter.types.includes(r.type));
    expect(par.records.map((r) => r.seq)).toEqual(byHand.map((r) => r.seq));
    expect(par.records.at(-1)).toEqual(byHand.at(-1));
    // The newest 10 only, across the seam or not, and still every match counted.
    const limited = await queryLedger(honestPath, filter, { parallelFromBytes: 0, limit: 10 });
    expect(limited.records).toEqual(byHand.slice(-10));
    expect(limited.matched).toBe(byHand.length);
  });

  const broken: [string, () => string[], () => object][] = [
    [
      'the first record of the second half edited',
      () => honest.map((l, i) => (i === k ? l.replace('"actor":"', '"actor":"X') : l)),
      () => ({ reason: 'edited' }),
    ],
    [
      // Each half verifies by itself: only the link across the seam is wrong.
      'the last record of the first half rewritten with a correct hash of its own',
      () => {
        const lines = [...honest];
        const { hash: _h, ...rest } = parse(lines[k - 1]!);
        lines[k - 1] = encodeRecord({ ...rest, actor: 'mallory' }).line;
        return lines;
      },
      () => ({ reason: 'missing', seq: k }),
    ],
    [
      'the first record of the second half removed',
      () => honest.filter((_, i) => i !== k),
      () => ({ reason: 'missing', seq: k + 1 }),
    ],
    [
      'the first record of the second half removed, the rest renumbered and re-hashed',
      () =>
        rechain(
          honest.filter((_, i) => i !== k),
          k,
          true,
        ),
      () => ({ reason: 'bad-signature' }),
    ],
    [
      'the seam record edited and every later hash recomputed (only a head signature catches it)',
      () =>
        rechain(
          honest.map((l, i) => (i === k ? l.replace('"actor":"', '"actor":"X') : l)),
          k,
        ),
      () => ({ reason: 'bad-signature' }),
    ],
  ];

  it.each(broken)(
    '%s: refused exactly as the sequential check refuses it',
    async (_, make, bad) => {
      const path = ledgerOf(make());
      expect(await inHalves(path)).toBeNull();
      const [seq, par] = [await sequential(path), await parallel(path)];
      expect(par).toEqual(seq);
      expect(par.ok).toBe(false);
      expect(par.records).toEqual([]);
      expect(par.matched).toBe(0);
      expect(par.verification.firstBad).toMatchObject(bad());
    },
  );

  it('a torn last line in the second half is left to the sequential check', async () => {
    const path = ledgerOf(honest);
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"actor":"torn`);
    expect(await inHalves(path)).toBeNull();
    const par = await parallel(path);
    expect(par).toEqual(await sequential(path));
    expect(par.verification.firstBad).toMatchObject({ reason: 'torn-tail', seq: COUNT });
  });
});
