// What the verifier's fast path does to cost less per record (canonical-scan.ts checks a record's
// time from its bytes and runs Date.parse once per day; canonical.ts hashes a line through one
// reused scratch buffer and views of it kept by length) must not change what verifies: a time
// the full path refuses is never accepted by the scan, whatever day was seen before, and every
// line hashes to what a stranger computes, whatever lines of other lengths came before it.
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord, hashLineInPlace, topLevelHashOffset } from '../../src/main/audit/canonical';
import { scanOrdinaryRecord } from '../../src/main/audit/canonical-scan';
import { verifyLedgerFile } from '../../src/main/audit/verify';
import {
  GENESIS_PREV,
  HEAD_SIGNATURES_NONE,
  LEDGER_FORMAT_UNSIGNED,
  type UnhashedRecord,
} from '../../src/main/audit/types';

/** The full path's test of a time (chain-checker.ts shapeProblem). */
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const fullPathTakes = (t: string) => TIME.test(t) && !Number.isNaN(Date.parse(t));

function lineOf(seq: number, time: string, data: Record<string, unknown> = { label: 'k' }) {
  const r: UnhashedRecord = {
    seq,
    time,
    actor: 'olocus-ceremony',
    step: null,
    type: 'key.generated',
    data,
    prev: GENESIS_PREV,
  };
  return encodeRecord(r).line;
}

function scan(line: string) {
  const buf = Buffer.from(`${line}\n`);
  return scanOrdinaryRecord(buf, 0, buf.length - 1);
}

/** A well-formed time first (so its day is known to the scan), then `odd` on that same day. */
const ODD_TIMES = [
  '2026-03-01T24:00:00.000Z',
  '2026-03-01T25:00:00.000Z',
  '2026-03-01T99:99:99.999Z',
  '2026-03-01T23:60:00.000Z',
  '2026-03-01T23:59:60.000Z',
  '2026-03-01T9:00:00.000Z',
  '2026-03-01T09:00:00.00Z',
  '2026-03-01T09:00:00.0000Z',
  '2026-03-01T09:00:00.000z',
  '2026-03-01t09:00:00.000Z',
  '2026-03-01T09:00:00.000+00:00',
  '2026-03-01 09:00:00.000Z',
  '2026-03-01T09:0a:00.000Z',
  '2026-03-01T09:00:00.00aZ',
  '2026-03-0aT09:00:00.000Z',
  '2026-13-01T09:00:00.000Z',
  '2026-00-01T09:00:00.000Z',
  '2026-03-00T09:00:00.000Z',
  '2026-03-32T09:00:00.000Z',
  '2026-02-30T09:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '2026-03-02T00:00:00.000Z',
  '202-03-01T09:00:00.000Z',
  '',
];

describe('the fast path checks a time as the full path does', () => {
  it('accepts a time only when the full path would, whatever day it saw before', () => {
    for (const odd of ODD_TIMES) {
      for (const before of ['2026-03-01T09:00:00.000Z', '2026-02-28T09:00:00.000Z', null]) {
        if (before) expect(scan(lineOf(1, before))?.time).toBe(before);
        const got = scan(lineOf(2, odd));
        if (got) {
          expect(fullPathTakes(odd), `${odd} after ${before}`).toBe(true);
          expect(got.time).toBe(odd);
        }
      }
    }
    // The ordinary forms of a day it knows, and of a new day, still take the fast path.
    expect(scan(lineOf(3, '2026-03-01T23:59:59.999Z'))?.time).toBe('2026-03-01T23:59:59.999Z');
    expect(scan(lineOf(3, '2026-03-02T00:00:00.000Z'))?.time).toBe('2026-03-02T00:00:00.000Z');
  });

  it('relies on Date.parse judging a date the same at any time of day (this runtime)', () => {
    const clocks = ['00:00:00.000', '23:59:59.999', '12:34:56.789', '00:00:59.001'];
    for (const y of ['0000', '0001', '1969', '1970', '2024', '2026', '2100', '9999']) {
      for (let m = 0; m <= 19; m++) {
        for (let d = 0; d <= 39; d++) {
          const day = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const verdicts = new Set(clocks.map((c) => fullPathTakes(`${day}T${c}Z`)));
          expect(verdicts.size, day).toBe(1);
        }
      }
    }
  });

  it('refuses a ledger whose record has a clock past 23:59:59 on a day seen before, as the full path words it', async () => {
    const { record: opening, line: openingLine } = encodeRecord({
      seq: 0,
      time: '2026-03-01T09:00:00.000Z',
      actor: 'olocus-ceremony',
      step: null,
      type: 'ledger.opened',
      data: {
        format: LEDGER_FORMAT_UNSIGNED,
        ceremony_id: 'cost',
        audit_key: null,
        head_signatures: HEAD_SIGNATURES_NONE,
      },
      prev: GENESIS_PREV,
    });
    const lines: string[] = [openingLine];
    let prev = opening.hash;
    for (const [seq, time] of [
      [1, '2026-03-01T09:00:01.000Z'],
      [2, '2026-03-01T25:00:00.000Z'],
    ] as const) {
      const { record, line } = encodeRecord({
        seq,
        time,
        actor: 'olocus-ceremony',
        step: null,
        type: 'key.generated',
        data: { label: 'k' },
        prev,
      });
      prev = record.hash;
      lines.push(line);
    }
    const dir = mkdtempSync(join(tmpdir(), 'olocus-fast-path-cost-'));
    try {
      const path = join(dir, 'audit.jsonl');
      writeFileSync(path, `${lines.join('\n')}\n`);
      const v = await verifyLedgerFile(path);
      expect(v.ok).toBe(false);
      expect(v.records).toBe(2);
      expect(v.firstBad).toMatchObject({ seq: 2, line: 3, reason: 'malformed' });
      expect(v.firstBad?.message).toContain('"time" is missing or not ISO 8601 UTC');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** What a stranger does with any JCS library: parse, drop hash, canonicalise, SHA-256. */
function strangerHash(line: string): string {
  const { hash: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return createHash('sha256').update(canonicalize(rest)!, 'utf8').digest('hex');
}

describe('hashing a line in place', () => {
  it('hashes every line right, whatever lengths came before, across the scratch growing', () => {
    // Lengths around the cached views' bound and past the first scratch (64 KiB), interleaved,
    // each length twice with different content: a view left over from a smaller scratch, or
    // bytes left over from a longer line, would hash the wrong bytes.
    const sizes = [10, 4000, 4090, 4100, 70_000, 10, 4090, 200_000, 4000, 10, 70_000];
    let n = 0;
    for (const size of sizes) {
      for (const fill of ['a', 'b']) {
        const line = lineOf(++n, '2026-03-01T09:00:00.000Z', { pad: fill.repeat(size) });
        // Inside a larger buffer, at an offset, as the line reader hands lines on.
        const buf = Buffer.from(`xx\n${line}\nyy`);
        const start = 3;
        const end = start + Buffer.byteLength(line);
        const at = topLevelHashOffset(buf, start, end, line);
        expect(hashLineInPlace(buf, start, end, at)).toBe(strangerHash(line));
        expect(buf.toString('utf8', start, end)).toBe(line); // the reader's bytes are untouched
      }
    }
  });
});
