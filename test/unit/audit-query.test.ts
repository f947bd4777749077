// `audit query` over a generated ledger: every answer checked against a count made by hand
// (plain loops over what the generator wrote, and the raw lines), and each refusal.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LEDGER_EVENT_TYPES,
  encodeRecord,
  parseAuditFilter,
  parseTimeBound,
  queryLedger,
  verifyLedger,
  type AuditQueryInput,
  type LedgerRecord,
} from '../../src/main/audit';
import { CeremonyService } from '../../src/main/service';
import { OlocusError } from '../../src/shared/errors';
import { GENERATED_START, writeGeneratedLedger } from '../helpers/generated-ledger';

let dir: string;
let path: string;
let written: LedgerRecord[];
const COUNT = 3000;
const NOW = new Date('2026-01-04T00:00:00.000Z');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'olocus-query-'));
  path = join(dir, 'audit.jsonl');
  written = writeGeneratedLedger(path, COUNT, 500).records;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const query = async (input: AuditQueryInput) => queryLedger(path, parseAuditFilter(input, NOW));
const seqs = (rs: { seq: number }[]) => rs.map((r) => r.seq);

describe('audit query returns exactly the records a hand count gives', () => {
  it('with no filter, every record', async () => {
    const r = await query({});
    expect(r.ok).toBe(true);
    expect(r.matched).toBe(COUNT);
    expect(r.scanned).toBe(COUNT);
  });

  it('by type: the same number as lines carrying the type string', async () => {
    const raw = readFileSync(path, 'utf8').split('\n');
    for (const type of ['key.generated', 'signature.created', 'chain.signed'] as const) {
      const byHand = written.filter((w) => w.type === type).map((w) => w.seq);
      const r = await query({ types: [type] });
      expect(seqs(r.records)).toEqual(byHand);
      expect(r.matched).toBe(raw.filter((l) => l.includes(`"type":"${type}"`)).length);
    }
  });

  it('by several types, a family, a key, and a time range together', async () => {
    let byHand = written.filter((w) => w.type === 'key.generated' || w.type === 'key.migrated');
    expect(seqs((await query({ types: ['key.generated', 'key.migrated'] })).records)).toEqual(
      seqs(byHand),
    );
    expect(seqs((await query({ types: ['key.*'] })).records)).toEqual(seqs(byHand));

    // The key is data.label for key events and data.key for attestation verdicts.
    byHand = written.filter((w) => w.data.label === 'issuing-a' || w.data.key === 'issuing-a');
    const byKey = await query({ key: 'issuing-a' });
    expect(byKey.matched).toBeGreaterThan(0);
    expect(seqs(byKey.records)).toEqual(seqs(byHand));
    expect(new Set(byKey.records.map((x) => x.type))).toEqual(
      new Set(['key.generated', 'signature.created', 'attestation.verdict', 'key.migrated']),
    );

    const since = Date.parse('2026-01-01T12:00:00Z');
    const until = Date.parse('2026-01-02T03:30:00Z');
    byHand = written.filter((w) => {
      const t = Date.parse(w.time);
      return t >= since && t <= until && w.type === 'signature.created' && w.data.label === 'audit';
    });
    const r = await query({
      since: '2026-01-01T13:00:00+01:00',
      until: '2026-01-02T03:30:00Z',
      types: ['signature.created'],
      key: 'audit',
    });
    expect(r.matched).toBeGreaterThan(5);
    expect(seqs(r.records)).toEqual(seqs(byHand));
  });

  it('with a limit, the newest matches and the count of all of them', async () => {
    const byHand = written.filter((w) => w.type === 'key.generated');
    const r = await queryLedger(path, parseAuditFilter({ types: ['key.generated'] }, NOW), {
      limit: 7,
    });
    expect(r.matched).toBe(byHand.length);
    expect(seqs(r.records)).toEqual(seqs(byHand.slice(-7)));
  });

  it('both ends of the range are inclusive; durations count back from now', async () => {
    const at = written[100]!.time;
    expect(seqs((await query({ since: at, until: at })).records)).toEqual([100]);
    // NOW is 2026-01-04T00:00Z; 2d ago is 2026-01-02T00:00Z.
    const cut = Date.parse('2026-01-02T00:00:00Z');
    const byHand = written.filter((w) => Date.parse(w.time) >= cut);
    expect(seqs((await query({ since: '2d' })).records)).toEqual(seqs(byHand));
    // Record 960 sits exactly on the cut, so both halves hold it.
    const upTo = written.filter((w) => Date.parse(w.time) <= cut);
    expect(upTo.length + byHand.length).toBe(COUNT + 1);
    expect(seqs((await query({ until: '2d' })).records)).toEqual(seqs(upTo));
    expect(parseTimeBound('2026-03-01', '--since', NOW).toISOString()).toBe(
      '2026-03-01T00:00:00.000Z',
    );
    expect(parseTimeBound('90s', '--since', NOW).getTime()).toBe(NOW.getTime() - 90_000);
    expect(GENERATED_START).toBe(Date.parse(written[0]!.time));
  });
});

async function refusal(input: AuditQueryInput, at = path): Promise<string> {
  const e = await new CeremonyService()
    .queryAudit(at, input, { now: NOW })
    .then(() => null)
    .catch((x: unknown) => x);
  expect(e).toBeInstanceOf(OlocusError);
  expect((e as OlocusError).code).toBe(108);
  return (e as OlocusError).message;
}

describe('bad queries are refused with a sentence before anything is read', () => {
  it('--since after --until', async () => {
    expect(await refusal({ since: '2026-02-01T00:00:00Z', until: '2026-01-01' })).toBe(
      '--since 2026-02-01T00:00:00.000Z is after --until 2026-01-01T00:00:00.000Z, so no record could match; swap them or widen the range.',
    );
    // 1d ago is after 3d ago.
    expect(await refusal({ since: '1d', until: '3d' })).toMatch(/^--since .* is after --until/);
  });

  it('an unknown type names every known one', async () => {
    const m = await refusal({ types: ['key.generated', 'key.exploded'] });
    expect(m).toMatch(/^Unknown event type "key\.exploded" for --type; the known types are /);
    for (const t of LEDGER_EVENT_TYPES) expect(m).toContain(t);
    expect(await refusal({ types: ['nothing.*'] })).toMatch(/^Unknown event type "nothing\.\*"/);
  });

  it('a time in neither form, or a date that does not exist', async () => {
    expect(await refusal({ since: 'yesterday' })).toMatch(
      /^--since "yesterday" is not an RFC 3339 time \(2026-03-01T09:00:00Z/,
    );
    expect(await refusal({ until: '2026-02-30' })).toMatch(/^--until "2026-02-30" is not/);
    expect(await refusal({ since: '2026-01-01T25:00:00Z' })).toMatch(/^--since/);
  });

  it('a ledger that does not exist', async () => {
    const missing = join(dir, 'nope.jsonl');
    expect(await refusal({}, missing)).toBe(`There is no ledger at ${missing}.`);
  });
});

describe('a ledger that does not verify', () => {
  it('shows no record and names its first bad one', async () => {
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const edited = JSON.parse(lines[1234]!) as LedgerRecord;
    edited.data = { ...edited.data, label: 'forged' };
    lines[1234] = JSON.stringify(edited); // the old hash kept: an edit, not a rewrite
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, `${lines.join('\n')}\n`);
    const before = readFileSync(broken);
    const r = await queryLedger(broken, parseAuditFilter({ types: ['key.generated'] }, NOW));
    expect(r.ok).toBe(false);
    expect(r.records).toEqual([]);
    expect(r.matched).toBe(0);
    expect(r.scanned).toBe(1234);
    expect(r.verification.firstBad?.reason).toBe('edited');
    expect(r.verdict).toMatch(
      /^The ledger does NOT verify, so no record of it is shown: record 1234 \(line 1235\) is edited: /,
    );
    expect(readFileSync(broken).equals(before)).toBe(true);
  });

  it('a record re-chained by a forger after the last signature is still only hash-covered', async () => {
    // Appending one well-formed record after the final signature: the chain verifies, and the
    // verdict says that the last record is covered by the hash chain only.
    const last = written.at(-1)!;
    const { line } = encodeRecord({
      seq: last.seq + 1,
      prev: last.hash,
      time: '2026-01-05T00:00:00.000Z',
      actor: 'mallory',
      step: null,
      type: 'key.generated',
      data: { label: 'late' },
    });
    const longer = join(dir, 'longer.jsonl');
    writeFileSync(longer, `${readFileSync(path, 'utf8')}${line}\n`);
    const r = await queryLedger(longer, parseAuditFilter({ key: 'late' }, NOW));
    expect(r.ok).toBe(true);
    expect(seqs(r.records)).toEqual([COUNT]);
    expect(r.verdict).toMatch(/the last 1 are covered by the hash chain only\.$/);
  });
});

describe('a line longer than any record', () => {
  const appendToCopy = (name: string, extra: Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, Buffer.concat([readFileSync(path), extra]));
    return p;
  };

  it('is malformed, not a torn tail, whether or not a newline ends it', async () => {
    for (const [name, extra] of [
      ['long-tail.jsonl', Buffer.alloc(2 << 20, 0x61)],
      ['huge-tail.jsonl', Buffer.alloc(9 << 20, 0x61)],
      ['huge-line.jsonl', Buffer.concat([Buffer.alloc(9 << 20, 0x61), Buffer.from('\n{}\n')])],
    ] as const) {
      const v = await verifyLedger(appendToCopy(name, extra));
      expect(v.ok).toBe(false);
      expect(v.records).toBe(COUNT);
      expect(v.tornTail).toBeUndefined();
      expect(v.firstBad).toMatchObject({ reason: 'malformed', line: COUNT + 1 });
      // Stopped at the line's start (no newline within the cap), or refused by its length.
      expect(v.firstBad?.message).toMatch(
        new RegExp(`^Line ${COUNT + 1}( \\(at byte \\d+\\))? is longer than 1048576 bytes`),
      );
    }
  });

  it('a short unfinished last line is still a torn tail', async () => {
    const v = await verifyLedger(appendToCopy('torn.jsonl', Buffer.from('{"actor":"x"')));
    expect(v.firstBad?.reason).toBe('torn-tail');
    expect(v.tornTail?.bytes).toBe(12);
  });
});
