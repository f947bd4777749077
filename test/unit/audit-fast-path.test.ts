// The verifier's fast path (canonical-scan.ts) proves an ordinary record canonical from its
// bytes without JSON.parse. It may only ever accept what the full path accepts: these tests feed
// it tampered lines, above all content-equivalent but non-canonical re-serialisations (whose
// hash is right for the content), and check that the ledger is still refused, with the same
// reason, at the same line; and that whatever the scan accepts is exactly the JCS of its parse.
import { describe, expect, it } from 'vitest';
import {
  GENESIS_PREV,
  HEAD_SIGNATURES_NONE,
  LEDGER_FORMAT_UNSIGNED,
  canonicalJson,
  encodeRecord,
  recomputeHash,
  verifyLedger,
  verifyLedgerFile,
  type LedgerRecord,
  type UnhashedRecord,
} from '../../src/main/audit';
import { scanOrdinaryRecord } from '../../src/main/audit/canonical-scan';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What ordinary records may hold: every kind of JSON value, escapes, non-ASCII, deep nesting. */
const DATA: Record<string, unknown>[] = [
  { label: 'root-2026', path: 'keys/root', spki_sha256: 'e582'.padEnd(64, '0') },
  { n: 0, neg: -17, big: 123456789012345, ok: true, no: false, none: null },
  { list: [1, 'two', [3, [4, {}]], { a: [] }], nested: { b: { c: { d: 'e' } } } },
  { quote: 'say "hi"\\ now', ctl: 'tab\there\nnewline\r\f\b' },
  { name: 'José Müller — officer', emoji: '🔑' },
  { 'é-key': 1, z: 2 },
  { '10': 'ten', '2': 'two', a: 'letter' },
  { fraction: 1.5, exp: 1e21, tiny: 5e-7 },
  { ctrl: '\u0001', del: '\u007f', slash: 'a/b' },
  {},
];

function ledgerLines(data: Record<string, unknown>[] = DATA): string[] {
  const lines: string[] = [];
  let prev = GENESIS_PREV;
  const add = (seq: number, type: string, step: string | null, d: Record<string, unknown>) => {
    const unhashed: UnhashedRecord = {
      seq,
      time: `2026-03-01T09:00:${String(seq % 60).padStart(2, '0')}.000Z`,
      actor: seq % 2 ? 'bob (crypto officer)' : 'olocus-ceremony',
      step,
      type,
      data: d,
      prev,
    };
    const { record, line } = encodeRecord(unhashed);
    prev = record.hash;
    lines.push(line);
  };
  add(0, 'ledger.opened', null, {
    format: LEDGER_FORMAT_UNSIGNED,
    ceremony_id: 'fast-path',
    audit_key: null,
    head_signatures: HEAD_SIGNATURES_NONE,
  });
  data.forEach((d, i) => add(i + 1, 'key.generated', i % 3 ? `s${i}` : i % 2 ? '' : null, d));
  return lines;
}

const HEX64 = /^[0-9a-f]{64}$/;
const asText = (lines: string[]) => ({ text: `${lines.join('\n')}\n` });
const parse = (line: string) => JSON.parse(line) as LedgerRecord;

/** The line rewritten (content equal, bytes not), its hash field kept right for the content. */
function reserialise(line: string, rewrite: (canonical: string) => string): string {
  const r = parse(line);
  expect(recomputeHash(r)).toBe(r.hash);
  const out = rewrite(line);
  expect(out).not.toBe(line);
  // The same record to a JSON reader: only the writing differs.
  expect(canonicalJson(JSON.parse(out))).toBe(line);
  return out;
}

/**
 * The line with its hash field replaced by SHA-256 of its own bytes minus the hash member (the
 * shortcut the verifier takes), as a forger who re-wrote the line would set it.
 */
function selfHashed(line: string): string {
  const m = /,"hash":"([0-9a-f]{64})",/.exec(line)!;
  const preimage = line.slice(0, m.index + 1) + line.slice(m.index + m[0].length);
  const h = createHash('sha256').update(preimage).digest('hex');
  return line.replace(m[1]!, h);
}

describe('verifier fast path', () => {
  it('verifies an honest ledger of every kind of value and hands on exactly its records', async () => {
    const lines = ledgerLines();
    const dir = mkdtempSync(join(tmpdir(), 'olocus-fast-path-'));
    try {
      const path = join(dir, 'audit.jsonl');
      writeFileSync(path, `${lines.join('\n')}\n`);
      const seen: LedgerRecord[] = [];
      const v = await verifyLedgerFile(path, {}, (r) => seen.push(r.record()));
      expect(v.ok).toBe(true);
      expect(v.records).toBe(lines.length);
      expect(v.head).toBe(parse(lines.at(-1)!).hash);
      // Same members, same order, same values as the line says (the query prints these).
      expect(seen.map((r) => JSON.stringify(r))).toEqual(
        lines.map((l) => JSON.stringify(parse(l))),
      );
      expect(v.lastRecord).toEqual(parse(lines.at(-1)!));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the fast path for plain ASCII records, and not for what it cannot prove', () => {
    const lines = ledgerLines();
    const scan = (line: string) => {
      const buf = Buffer.from(`${line}\n`);
      return scanOrdinaryRecord(buf, 0, buf.length - 1);
    };
    expect(scan(lines[0]!)).toBeNull(); // record 0 is always judged in full
    expect(scan(lines[1]!)?.record()).toEqual(parse(lines[1]!));
    expect(scan(lines[2]!)?.record()).toEqual(parse(lines[2]!));
    expect(scan(lines[3]!)?.record()).toEqual(parse(lines[3]!));
    expect(scan(lines[4]!)?.record()).toEqual(parse(lines[4]!)); // \" \\ \t \n \r \f \b
    expect(scan(lines[5]!)).toBeNull(); // non-ASCII
    expect(scan(lines[6]!)).toBeNull();
    expect(scan(lines[8]!)).toBeNull(); // fractions and exponents
    expect(scan(lines[9]!)).toBeNull(); // \u0001
  });

  // Each rewrites record 2..4 of the honest ledger into an equivalent, non-canonical line.
  const REWRITES: [string, number, (l: string) => string][] = [
    ['a space after a colon', 1, (l) => l.replace('"label":', '"label": ')],
    ['a space before the closing brace', 2, (l) => l.replace(/}$/, ' }')],
    [
      'data members out of order',
      1,
      (l) => l.replace(/"label":("[^"]*"),("path":"[^"]*")/, '$2,"label":$1'),
    ],
    [
      'top-level members out of order',
      1,
      (l) => {
        const m = /^\{("actor":"[^"]*"),/.exec(l)!;
        return `{${l.slice(m[0].length, -1)},${m[1]}}`;
      },
    ],
    ['a letter written as \\u006f', 1, (l) => l.replace('root-2026', 'r\\u006fot-2026')],
    ['a solidus escaped', 1, (l) => l.replace('keys/root', 'keys\\/root')],
    ['an integer written 0.0e0', 2, (l) => l.replace('"n":0', '"n":0.0e0')],
    ['an integer with a trailing .0', 2, (l) => l.replace('"neg":-17', '"neg":-17.0')],
    ['zero written -0', 2, (l) => l.replace('"n":0', '"n":-0')],
    [
      'an integer in exponent form',
      2,
      (l) => l.replace('"big":123456789012345', '"big":1.23456789012345e14'),
    ],
    ['a literal tab escaped as \\u0009', 4, (l) => l.replace('tab\\there', 'tab\\u0009here')],
    ['a key escaped', 3, (l) => l.replace('"nested"', '"n\\u0065sted"')],
    ['seq written 1.0', 1, (l) => l.replace('"seq":1,', '"seq":1.0,')],
  ];

  for (const [what, index, rewrite] of REWRITES) {
    it(`refuses a record re-serialised with ${what} (malformed), though its hash fits its content`, async () => {
      const lines = ledgerLines();
      const tampered = [...lines];
      tampered[index] = reserialise(lines[index]!, rewrite);
      const v = await verifyLedger(asText(tampered));
      expect(v.ok).toBe(false);
      expect(v.firstBad?.reason).toBe('malformed');
      expect(v.firstBad?.line).toBe(index + 1);
      expect(v.firstBad?.message).toMatch(/canonical JSON|not a ledger record/);
      expect(v.records).toBe(index);
    });

    it(`refuses a last record re-serialised with ${what} whose hash is that of its own bytes`, async () => {
      const lines = ledgerLines();
      const forged = selfHashed(reserialise(lines[index]!, rewrite));
      const v = await verifyLedger(asText([...lines.slice(0, index), forged]));
      expect(v.ok).toBe(false);
      expect(v.firstBad).toMatchObject({ reason: 'malformed', line: index + 1 });
      expect(v.records).toBe(index);
    });
  }

  it('refuses an edited ASCII record (edited) and one rewritten with its hash recomputed (missing)', async () => {
    const lines = ledgerLines();
    const edited = [...lines];
    edited[2] = lines[2]!.replace('"neg":-17', '"neg":-18');
    const e = await verifyLedger(asText(edited));
    expect(e.firstBad).toMatchObject({ reason: 'edited', line: 3, seq: 2 });
    expect(e.records).toBe(2);

    const rewritten = [...lines];
    const { hash: _h, ...rest } = parse(lines[2]!);
    rewritten[2] = encodeRecord({ ...rest, data: { ...rest.data, neg: -18 } }).line;
    const m = await verifyLedger(asText(rewritten));
    expect(m.firstBad).toMatchObject({ reason: 'missing', line: 4, seq: 3 });
    expect(m.records).toBe(3);
  });

  it('refuses a hash or prev in upper-case hex, even when it is otherwise the right value', async () => {
    const lines = ledgerLines();
    const upper = [...lines];
    upper[1] = lines[1]!.replace(
      /"hash":"([0-9a-f]{64})"/,
      (_m, h: string) => `"hash":"${h.toUpperCase()}"`,
    );
    const v = await verifyLedger(asText(upper));
    expect(v.firstBad).toMatchObject({ reason: 'malformed', line: 2 });
  });

  it('accepts from a scan only lines that are the JCS form of their own parse (random damage)', () => {
    const lines = ledgerLines().slice(1, 5);
    let accepted = 0;
    let state = 12345;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const alphabet = Buffer.from(' "\\{}[],:0123456789-.eEtrufalsn/abAB\t\u0001');
    for (let i = 0; i < 20000; i++) {
      const buf = Buffer.from(lines[rand(lines.length)]!);
      const at = rand(buf.length);
      const damaged =
        rand(3) === 0
          ? Buffer.concat([
              buf.subarray(0, at),
              alphabet.subarray(rand(alphabet.length)).subarray(0, 1),
              buf.subarray(at),
            ])
          : rand(2) === 0
            ? Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)])
            : (() => {
                const c = Buffer.from(buf);
                c[at] = alphabet[rand(alphabet.length)]!;
                return c;
              })();
      const line = Buffer.concat([damaged, Buffer.from('\n')]);
      const scanned = scanOrdinaryRecord(line, 0, line.length - 1);
      // The scan leaves hash and prev for the checker to compare with 64-hex values it knows;
      // given that they are such values, what it accepts must be canonical.
      if (!scanned || !HEX64.test(scanned.hash) || !HEX64.test(scanned.prev)) continue;
      accepted++;
      const text = damaged.toString('utf8');
      expect(canonicalJson(JSON.parse(text))).toBe(text);
      const r = parse(text);
      expect(Object.keys(r)).toEqual([
        'actor',
        'data',
        'hash',
        'prev',
        'seq',
        'step',
        'time',
        'type',
      ]);
      expect(scanned.record()).toEqual(r);
      expect([scanned.seq, scanned.type, scanned.time, scanned.hash, scanned.prev]).toEqual([
        r.seq,
        r.type,
        r.time,
        r.hash,
        r.prev,
      ]);
    }
    // Some damage leaves a canonical line (a changed digit or letter): the property was tested.
    expect(accepted).toBeGreaterThan(100);
  });
});
