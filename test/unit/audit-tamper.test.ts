import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Ledger,
  encodeRecord,
  generateSoftwareSigner,
  verifyLedger,
  type LedgerRecord,
  type VerifyResult,
} from '../../src/main/audit';
import { readLinesFromFile } from '../../src/main/audit/line-reader';

// One honest ledger: record 0 opens it, 1..5 events, 6 signs head 5, 7..10 events, 11 signs 10.
let dir: string;
let honest: string[];
const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'olocus-tamper-'));
  const path = join(dir, 'audit.jsonl');
  const ledger = await Ledger.create(path, { ceremonyId: 'tamper', actor: 'alice', signer });
  for (let i = 1; i <= 11; i++) {
    if (i === 6 || i === 11) await ledger.signHead({ actor: 'bob', step: null });
    else
      await ledger.append({
        actor: 'bob',
        step: `s${i}`,
        type: 'key.generated',
        data: { label: `k${i}` },
      });
  }
  await ledger.close();
  honest = readFileSync(path, 'utf8').split('\n').filter(Boolean);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (lines: string[]): { text: string } => ({ text: `${lines.join('\n')}\n` });
const parse = (line: string): LedgerRecord => JSON.parse(line) as LedgerRecord;

/** What a forger with a text editor and a SHA-256 tool can do: rewrite every hash from `from` on. */
function rechain(lines: string[], from: number, renumber = false): string[] {
  const out = lines.slice(0, from);
  let prev = from === 0 ? '0'.repeat(64) : parse(lines[from - 1]!).hash;
  for (let i = from; i < lines.length; i++) {
    const { hash: _h, ...rest } = parse(lines[i]!);
    const { record, line } = encodeRecord({ ...rest, prev, seq: renumber ? i : rest.seq });
    out.push(line);
    prev = record.hash;
  }
  return out;
}

async function bad(lines: string[] | { text: string }): Promise<VerifyResult> {
  const result = await verifyLedger(Array.isArray(lines) ? text(lines) : lines);
  expect(result.ok).toBe(false);
  return result;
}

describe('verifyLedger on an honest ledger', () => {
  it('accepts it from a path, from text and from bytes alike', async () => {
    const path = join(dir, 'audit.jsonl');
    const fromPath = await verifyLedger(path);
    expect(fromPath).toMatchObject({
      ok: true,
      records: 12,
      signaturesChecked: 2,
      lastSignedSeq: 10,
      unsignedTail: 0,
      head: parse(honest[11]!).hash,
    });
    expect(fromPath.firstBad).toBeUndefined();
    expect(await verifyLedger(text(honest))).toEqual(fromPath);
    expect(await verifyLedger(Buffer.from(text(honest).text))).toEqual(fromPath);
  });

  it('reads lines across chunk boundaries and longer than a chunk', async () => {
    const seen: string[] = [];
    const out = await readLinesFromFile(
      join(dir, 'audit.jsonl'),
      (b, s, e) => void seen.push(b.toString('utf8', s, e)),
      { chunkSize: 7 },
    );
    expect(seen).toEqual(honest);
    expect(out.tail).toBeNull();
  });
});

describe('verifyLedger names the first bad record', () => {
  it('edited: a field changed without fixing the hash', async () => {
    const lines = [...honest];
    lines[3] = lines[3]!.replace('"label":"k3"', '"label":"k9"');
    const r = await bad(lines);
    expect(r.firstBad).toMatchObject({ seq: 3, line: 4, reason: 'edited' });
    expect(r.firstBad!.message).toMatch(
      /^Record 3 \(line 4\) has been edited: its content hashes to [0-9a-f]{16}… but its hash field says [0-9a-f]{16}…\.$/,
    );
    expect(r).toMatchObject({
      records: 3,
      head: parse(honest[2]!).hash,
      lastSignedSeq: null,
      unsignedTail: 3,
    });
  });

  it('reordered: two lines swapped', async () => {
    const lines = [...honest];
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    expect((await bad(lines)).firstBad).toEqual({
      seq: 4,
      line: 4,
      reason: 'reordered',
      message:
        'Line 4 holds record 4 where record 3 belongs, and record 3 comes later: records are out of order.',
    });
  });

  it('reordered: a record repeated later', async () => {
    const lines = [...honest.slice(0, 5), honest[2]!, ...honest.slice(5)];
    expect((await bad(lines)).firstBad).toMatchObject({ seq: 2, line: 6, reason: 'reordered' });
  });

  it('missing: one middle line deleted', async () => {
    const lines = honest.filter((_, i) => i !== 3);
    expect((await bad(lines)).firstBad).toEqual({
      seq: 4,
      line: 4,
      reason: 'missing',
      message:
        'Record 3 is missing before record 4 (line 4): a record was removed from the middle.',
    });
  });

  it('missing: the middle truncated', async () => {
    const lines = [...honest.slice(0, 3), ...honest.slice(8)];
    const r = await bad(lines);
    expect(r.firstBad).toMatchObject({ seq: 8, line: 4, reason: 'missing' });
    expect(r.firstBad!.message).toBe(
      'Records 3..7 are missing before record 8 (line 4): records were removed from the middle.',
    );
    expect(r.records).toBe(3);
  });

  it('missing: a record rewritten with its own hash fixed no longer links', async () => {
    const lines = [...honest];
    const { hash: _h, ...rest } = parse(lines[3]!);
    lines[3] = encodeRecord({ ...rest, actor: 'mallory' }).line;
    const r = await bad(lines);
    expect(r.firstBad).toMatchObject({ seq: 4, line: 5, reason: 'missing' });
    expect(r.firstBad!.message).toMatch(
      /^Record 4 \(line 5\) does not link to record 3: .* or record 3 was rewritten\.$/,
    );
  });

  it('bad-signature: one signature byte flipped, chain re-hashed', async () => {
    const lines = [...honest];
    const rec = parse(lines[6]!);
    const sig = Buffer.from(rec.data.signature as string, 'base64');
    sig[10] = sig[10]! ^ 0x01;
    const { hash: _h, ...rest } = rec;
    lines[6] = encodeRecord({
      ...rest,
      data: { ...rec.data, signature: sig.toString('base64') },
    }).line;
    const r = await bad(rechain(lines, 7));
    expect(r.firstBad).toMatchObject({ seq: 6, line: 7, reason: 'bad-signature' });
    expect(r.firstBad!.message).toMatch(
      /^Record 6 \(line 7\) holds a signature over head [0-9a-f]{16}… \(record 5\) that does not verify under the audit key from record 0\.$/,
    );
    expect(r).toMatchObject({ records: 6, signaturesChecked: 0 });
  });

  it('bad-signature: an early edit with every later hash recomputed', async () => {
    const lines = [...honest];
    lines[2] = lines[2]!.replace('"label":"k2"', '"label":"evil"');
    const r = await bad(rechain(lines, 2));
    expect(r.firstBad).toMatchObject({ seq: 6, reason: 'bad-signature' });
  });

  it('bad-signature: a middle record deleted, the rest renumbered and re-hashed', async () => {
    const lines = honest.filter((_, i) => i !== 8);
    const r = await bad(rechain(lines, 8, true));
    expect(r.firstBad).toMatchObject({ seq: 10, line: 11, reason: 'bad-signature' });
    expect(r).toMatchObject({
      records: 10,
      signaturesChecked: 1,
      lastSignedSeq: 5,
      unsignedTail: 3,
    });
  });

  it('torn-tail: records before it verify and recovery keeps them', async () => {
    const partial = honest[11]!.slice(0, 50);
    const r = await bad({ text: `${honest.slice(0, 11).join('\n')}\n${partial}` });
    expect(r.firstBad).toEqual({
      seq: 11,
      line: 12,
      reason: 'torn-tail',
      message:
        'Line 12 is incomplete (50 bytes, no newline), a write cut short by a crash; records 0..10 before it verify and recovery keeps them.',
    });
    expect(r.tornTail).toMatchObject({ line: 12, bytes: 50, keptRecords: 11 });
    expect(r).toMatchObject({ records: 11, head: parse(honest[10]!).hash, signaturesChecked: 1 });
  });

  it('malformed: not JSON, not canonical, missing fields, empty', async () => {
    const notJson = [...honest];
    notJson[4] = '{"actor":';
    expect((await bad(notJson)).firstBad).toMatchObject({ line: 5, reason: 'malformed' });

    const spaced = [...honest];
    spaced[4] = spaced[4]!.replace('"actor":', '"actor": ');
    const r = await bad(spaced);
    expect(r.firstBad).toMatchObject({ seq: 4, reason: 'malformed' });
    expect(r.firstBad!.message).toBe(
      'Record 4 (line 5) is not written in canonical JSON (RFC 8785), so its hash cannot be checked as written.',
    );

    const { step: _s, hash: _h, ...noStep } = parse(honest[4]!);
    const missing = [...honest];
    missing[4] = encodeRecord(noStep as never).line;
    expect((await bad(missing)).firstBad!.message).toBe(
      'Line 5 is not a ledger record: "step" is missing or not a string or null.',
    );

    expect((await bad({ text: '' })).firstBad).toMatchObject({
      reason: 'malformed',
      message: 'The ledger is empty: it has no ledger.opened record.',
    });
    expect((await bad([honest[0]!, '', honest[1]!])).firstBad).toMatchObject({
      line: 2,
      message: 'Line 2 is empty.',
    });
  });

  it('head truncation verifies without an anchor and fails against the published head', async () => {
    const cut = honest.slice(0, 9);
    const alone = await verifyLedger(text(cut));
    expect(alone).toMatchObject({ ok: true, records: 9, unsignedTail: 2 });
    const anchored = await verifyLedger(text(cut), { expectedHead: parse(honest[11]!).hash });
    expect(anchored.firstBad).toMatchObject({ reason: 'head-mismatch', seq: 8 });
  });

  it('a whole ledger forged under another key verifies only until the key is pinned', async () => {
    const forger = generateSoftwareSigner('ecdsa-p256-sha256').signer;
    const path = join(dir, 'forged.jsonl');
    const ledger = await Ledger.create(path, {
      ceremonyId: 'tamper',
      actor: 'alice',
      signer: forger,
    });
    await ledger.signHead({ actor: 'bob', step: null });
    await ledger.close();
    expect((await verifyLedger(path)).ok).toBe(true);
    const genuine = parse(honest[0]!).data.audit_key as { fingerprint_sha256: string };
    const pinned = await verifyLedger(path, { expectedKeyFingerprint: genuine.fingerprint_sha256 });
    expect(pinned.firstBad).toMatchObject({ seq: 0, line: 1, reason: 'key-mismatch' });
    expect(
      await verifyLedger(text(honest), { expectedKeyFingerprint: genuine.fingerprint_sha256 }),
    ).toMatchObject({ ok: true });
  });
});
