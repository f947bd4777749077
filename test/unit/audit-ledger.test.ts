import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_ALGORITHMS,
  Ledger,
  generateSoftwareSigner,
  toPgpWords,
  verifyLedger,
  type AuditSigner,
  type LedgerRecord,
} from '../../src/main/audit';
import { ErrorCode, OlocusError } from '../../src/shared/errors';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'olocus-audit-'));
  path = join(dir, 'audit.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const signer = generateSoftwareSigner('ecdsa-p256-sha256').signer;
const lines = (): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const records = (): LedgerRecord[] => lines().map((l) => JSON.parse(l) as LedgerRecord);

async function rejection(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

describe('Ledger.create', () => {
  it('opens with the audit key: DER SPKI, algorithm, SHA-256 fingerprint in hex and words', async () => {
    const ledger = await Ledger.create(path, { ceremonyId: 'root-2026', actor: 'alice', signer });
    await ledger.close();
    const [first] = records();
    const fp = createHash('sha256').update(signer.publicKeySpki).digest('hex');
    expect(first).toMatchObject({
      seq: 0,
      type: 'ledger.opened',
      actor: 'alice',
      step: null,
      prev: '0'.repeat(64),
    });
    expect(first!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(first!.data).toEqual({
      format: 'olocus-audit-ledger/1',
      ceremony_id: 'root-2026',
      audit_key: {
        algorithm: 'ecdsa-p256-sha256',
        spki: Buffer.from(signer.publicKeySpki).toString('base64'),
        fingerprint_sha256: fp,
        fingerprint_words: toPgpWords(fp).join(' '),
      },
    });
    expect(ledger.auditKey?.fingerprint_sha256).toBe(fp);
    const result = await verifyLedger(path);
    expect(result).toMatchObject({
      ok: true,
      records: 1,
      head: first!.hash,
      ceremonyId: 'root-2026',
    });
  });

  it('never overwrites an existing file, even an empty one', async () => {
    writeFileSync(path, '');
    const e = await rejection(Ledger.create(path, { ceremonyId: 'c', actor: 'alice', signer }));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toMatch(/already exists: a ledger is never overwritten/);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('reports a directory that does not exist as bad input', async () => {
    const e = await rejection(
      Ledger.create(join(dir, 'no/such/dir/audit.jsonl'), { ceremonyId: 'c', actor: 'a', signer }),
    );
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toMatch(/^Cannot create the audit ledger .*ENOENT/);
  });

  it('refuses a signer whose key does not fit its algorithm', async () => {
    const wrong: AuditSigner = { ...signer, algorithm: 'ed25519' };
    const e = await rejection(Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer: wrong }));
    expect(e.message).toBe('The audit signer says ed25519 but it is not an Ed25519 key.');
  });
});

describe('Ledger append and signHead', () => {
  it.each(AUDIT_ALGORITHMS)('chains records and signs heads with %s', async (algorithm) => {
    const s = generateSoftwareSigner(algorithm).signer;
    const ledger = await Ledger.create(path, { ceremonyId: 'c1', actor: 'alice', signer: s });
    await ledger.append({
      actor: 'bob',
      step: 'gen-root',
      type: 'key.generated',
      data: { label: 'root' },
    });
    const sig = await ledger.signHead({ actor: 'bob', step: 'gen-root' });
    await ledger.append({ actor: 'carol', step: null, type: 'witness.confirmed' });
    expect(sig.data).toMatchObject({ head: sig.prev, seq_signed: 1, algorithm });
    expect(ledger.length).toBe(4);
    await ledger.close();
    const result = await verifyLedger(path);
    expect(result).toMatchObject({
      ok: true,
      records: 4,
      head: ledger.head,
      headWords: toPgpWords(ledger.head).join(' '),
      signaturesChecked: 1,
      lastSignedSeq: 1,
      unsignedTail: 1,
    });
    expect(records().map((r) => r.prev)).toEqual([
      '0'.repeat(64),
      ...records()
        .slice(0, -1)
        .map((r) => r.hash),
    ]);
  });

  it('serialises concurrent appends in call order', async () => {
    const ledger = await Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer });
    const done = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 10 === 9
          ? ledger.signHead({ actor: 'a', step: null })
          : ledger.append({ actor: 'a', step: null, type: 'tick', data: { i } }),
      ),
    );
    await ledger.close();
    expect(done.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const result = await verifyLedger(path);
    expect(result).toMatchObject({
      ok: true,
      records: 41,
      signaturesChecked: 4,
      lastSignedSeq: 39,
      unsignedTail: 0,
    });
  });

  it('refuses secrets and reserved event types without writing anything', async () => {
    const ledger = await Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer });
    const e = await rejection(
      ledger.append({ actor: 'a', step: 's', type: 'token.login', data: { so_pin: '1234' } }),
    );
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.message).toMatch(/^Refusing to write data\.so_pin to the audit ledger/);
    await rejection(ledger.append({ actor: 'a', step: null, type: 'chain.signed' }));
    await rejection(ledger.append({ actor: '', step: null, type: 'x.y' }));
    await rejection(ledger.append({ actor: 'a', step: null, type: 'Not A Type' }));
    expect(ledger.length).toBe(1);
    await ledger.close();
    expect(lines()).toHaveLength(1);
  });

  it('writes the data as it was when append was called', async () => {
    const ledger = await Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer });
    const data = { n: 1 };
    const pending = ledger.append({ actor: 'a', step: null, type: 'x.y', data });
    data.n = 2;
    expect((await pending).data).toEqual({ n: 1 });
    await ledger.close();
  });

  it('refuses a signature that does not verify, naming DER as the likely cause', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der: AuditSigner = {
      ...generateSoftwareSigner('ecdsa-p256-sha256').signer,
      publicKeySpki: signer.publicKeySpki,
      sign: async (m) => new Uint8Array(sign('sha256', m, privateKey)), // DER, and another key
    };
    const ledger = await Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer: der });
    const e = await rejection(ledger.signHead({ actor: 'a', step: null }));
    expect(e.message).toMatch(
      /does not verify under the ledger's audit key \(it looks DER-encoded/,
    );
    expect(ledger.length).toBe(1);
    await ledger.close();
  });

  it('stops writing when the file changes under it', async () => {
    const ledger = await Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer });
    appendFileSync(path, 'intruder\n');
    const e = await rejection(ledger.append({ actor: 'a', step: null, type: 'x.y' }));
    expect(e.message).toMatch(/changed under this writer/);
    expect(
      (await rejection(ledger.append({ actor: 'a', step: null, type: 'x.y' }))).message,
    ).toMatch(/stopped accepting records/);
    await ledger.close();
    await rejection(ledger.append({ actor: 'a', step: null, type: 'x.y' }));
  });

  it('allows one Ledger per file per process', async () => {
    const ledger = await Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer });
    expect((await rejection(Ledger.open(path))).message).toMatch(/already open in this process/);
    await ledger.close();
    const { ledger: again } = await Ledger.open(path);
    await again.close();
  });
});

describe('Ledger.open', () => {
  async function sample(n: number): Promise<void> {
    const ledger = await Ledger.create(path, { ceremonyId: 'c', actor: 'a', signer });
    for (let i = 0; i < n; i++)
      await ledger.append({ actor: 'a', step: null, type: 'x.y', data: { i } });
    await ledger.close();
  }

  it('resumes the chain where it ended', async () => {
    await sample(3);
    const { ledger, recovered, verification } = await Ledger.open(path, { signer });
    expect(recovered).toBeNull();
    expect(verification.ok).toBe(true);
    expect(ledger.length).toBe(4);
    const r = await ledger.append({ actor: 'b', step: null, type: 'x.z' });
    expect(r.seq).toBe(4);
    await ledger.signHead({ actor: 'b', step: null });
    await ledger.close();
    expect(await verifyLedger(path)).toMatchObject({ ok: true, records: 6, signaturesChecked: 1 });
  });

  it('moves a torn last line to evidence, truncates, and records the recovery', async () => {
    await sample(2);
    const intact = readFileSync(path);
    const torn = '{"actor":"a","data":{"i":2},"hash":"ab';
    appendFileSync(path, torn);
    const before = await verifyLedger(path);
    expect(before).toMatchObject({
      ok: false,
      records: 3,
      firstBad: { reason: 'torn-tail', seq: 3, line: 4 },
    });
    expect(before.firstBad!.message).toBe(
      `Line 4 is incomplete (${torn.length} bytes, no newline), a write cut short by a crash; records 0..2 before it verify and recovery keeps them.`,
    );
    expect(before.tornTail).toEqual({
      line: 4,
      offset: intact.length,
      bytes: torn.length,
      keptRecords: 3,
    });

    const { ledger, recovered } = await Ledger.open(path, { actor: 'recovery-officer' });
    expect(recovered).toMatchObject({
      line: 4,
      offset: intact.length,
      tornBytes: torn.length,
      keptRecords: 3,
    });
    expect(recovered!.tornSha256).toBe(createHash('sha256').update(torn).digest('hex'));
    expect(readFileSync(recovered!.evidencePath, 'utf8')).toBe(torn);
    expect(readdirSync(dir).filter((f) => f.startsWith('audit.jsonl.torn-'))).toHaveLength(1);
    expect(ledger.length).toBe(4);
    await ledger.close();
    expect(readFileSync(path).subarray(0, intact.length).equals(intact)).toBe(true);
    const last = records().at(-1)!;
    expect(last).toMatchObject({ seq: 3, type: 'ledger.recovered', actor: 'recovery-officer' });
    expect(last.data).toMatchObject({ torn_bytes: torn.length, kept_records: 3, torn_line: 4 });
    expect(await verifyLedger(path)).toMatchObject({ ok: true, records: 4 });
  });

  it('records evidence a crash left unrecorded between truncation and the recovery record', async () => {
    await sample(1);
    writeFileSync(`${path}.torn-2026-03-01T09-00-00-000Z`, '{"actor":"a"');
    const { ledger, recovered } = await Ledger.open(path, { actor: 'officer' });
    expect(recovered).toBeNull();
    await ledger.close();
    expect(records().at(-1)).toMatchObject({
      seq: 2,
      type: 'ledger.recovered',
      data: {
        evidence_file: 'audit.jsonl.torn-2026-03-01T09-00-00-000Z',
        torn_bytes: 12,
        found_later: true,
      },
    });
    const { ledger: again } = await Ledger.open(path);
    expect(again.length).toBe(3); // recorded once, not again
    await again.close();
  });

  it('refuses to resume a tampered ledger, naming the record', async () => {
    await sample(3);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"i":1', '"i":7'));
    const e = await rejection(Ledger.open(path));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toMatch(
      /^Cannot resume the audit ledger .*: Record 2 \(line 3\) has been edited/,
    );
  });

  it('refuses a signer that does not hold the audit key', async () => {
    await sample(0);
    const other = generateSoftwareSigner('ecdsa-p256-sha256').signer;
    expect((await rejection(Ledger.open(path, { signer: other }))).message).toMatch(
      /is not the audit key/,
    );
    const { ledger } = await Ledger.open(path);
    expect((await rejection(ledger.signHead({ actor: 'a', step: null }))).message).toMatch(
      /without an audit signer/,
    );
    await ledger.close();
  });

  it('will not resume a ledger torn before its first record was complete', async () => {
    writeFileSync(path, '{"actor":"a","da');
    expect((await rejection(Ledger.open(path))).message).toMatch(/holds no complete record/);
    expect(readFileSync(path, 'utf8')).toBe('{"actor":"a","da');
  });

  it('reports an unreadable path as bad input', async () => {
    const e = await rejection(verifyLedger(join(dir, 'nope.jsonl')));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
  });
});
