// A ledger declared unsigned (record 0: format 2, audit_key null, head_signatures "none"): the
// writer refuses to sign it or hand it to a signer, the verifier holds it to its declaration.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Ledger,
  describeAuditKey,
  encodeRecord,
  generateSoftwareSigner,
  headSignatureMessage,
  verifyLedger,
  type LedgerRecord,
} from '../../src/main/audit';
import { ErrorCode, OlocusError } from '../../src/shared/errors';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'olocus-unsigned-'));
  path = join(dir, 'transfers.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
const declared = { head_signatures: 'none', purpose: 'test' };
const lines = (): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const records = (): LedgerRecord[] => lines().map((l) => JSON.parse(l) as LedgerRecord);
const text = (ls: string[]): { text: string } => ({ text: `${ls.join('\n')}\n` });

async function rejection(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

async function unsignedLedger(events: number): Promise<Ledger> {
  const ledger = await Ledger.create(path, {
    ceremonyId: 'transfers-1',
    actor: 'alice',
    signer: null,
    data: declared,
  });
  for (let i = 0; i < events; i++)
    await ledger.append({ actor: 'alice', step: null, type: 'key.migrated', data: { i } });
  return ledger;
}

/** A record 0 with these data members, correctly hashed, so only its content can be at fault. */
function opening(data: Record<string, unknown>): string {
  return encodeRecord({
    actor: 'mallory',
    data: { ceremony_id: 'c', ...data },
    prev: '0'.repeat(64),
    seq: 0,
    step: null,
    time: '2026-03-01T09:00:00.000Z',
    type: 'ledger.opened',
  }).line;
}

describe('a ledger declared unsigned', () => {
  it('says audit_key null and head_signatures "none" in a format 2 record 0, and verifies on its hash chain alone', async () => {
    const ledger = await unsignedLedger(3);
    expect(ledger.auditKey).toBeNull();
    await ledger.close();
    const [first] = records();
    expect(first!.data).toEqual({
      format: 'olocus-audit-ledger/2',
      ceremony_id: 'transfers-1',
      audit_key: null,
      head_signatures: 'none',
      purpose: 'test',
    });
    const r = await verifyLedger(path);
    expect(r).toMatchObject({
      ok: true,
      records: 4,
      ceremonyId: 'transfers-1',
      auditKey: null,
      signaturesChecked: 0,
      lastSignedSeq: null,
      unsignedTail: 4,
    });
    expect(r.firstBad).toBeUndefined();
  });

  it('is refused a head signature by the writer, and the file is left as it was', async () => {
    const ledger = await unsignedLedger(1);
    const before = readFileSync(path);
    const e = await rejection(ledger.signHead({ actor: 'alice', step: null }));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toContain('declares that it has no audit key');
    expect(readFileSync(path).equals(before)).toBe(true);
    // The refusal does not stop the ledger: it still takes events.
    await ledger.append({ actor: 'alice', step: null, type: 'key.migrated', data: {} });
    await ledger.close();
    expect((await verifyLedger(path)).records).toBe(3);
  });

  it('reopens and appends, continuing the chain', async () => {
    await (await unsignedLedger(1)).close();
    const { ledger, recovered } = await Ledger.open(path, { actor: 'bob' });
    expect(recovered).toBeNull();
    expect(ledger.auditKey).toBeNull();
    const rec = await ledger.append({ actor: 'bob', step: null, type: 'key.exported', data: {} });
    await ledger.close();
    expect(rec.seq).toBe(2);
    expect(rec.prev).toBe(records()[1]!.hash);
    expect(await verifyLedger(path)).toMatchObject({ ok: true, records: 3, unsignedTail: 3 });
  });

  it('recovers a torn tail on open like a signed ledger does', async () => {
    await (await unsignedLedger(2)).close();
    const kept = lines();
    appendFileSync(path, '{"actor":"alice","data":{"i":9');
    expect((await verifyLedger(path)).firstBad?.reason).toBe('torn-tail');
    const { ledger, recovered } = await Ledger.open(path, { actor: 'bob' });
    await ledger.close();
    expect(recovered).toMatchObject({ keptRecords: 3, tornBytes: 30 });
    expect(readFileSync(recovered!.evidencePath, 'utf8')).toBe('{"actor":"alice","data":{"i":9');
    expect(lines().slice(0, 3)).toEqual(kept);
    expect(records()[3]).toMatchObject({ type: 'ledger.recovered', actor: 'bob' });
    expect(await verifyLedger(path)).toMatchObject({ ok: true, records: 4, auditKey: null });
  });

  it('refuses to be resumed with an audit signer (a ceremony resume), touching nothing', async () => {
    await (await unsignedLedger(1)).close();
    const before = readFileSync(path);
    const e = await rejection(Ledger.open(path, { signer, actor: 'bob' }));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toBe(
      `Cannot resume the audit ledger ${path} with an audit signer: its record 0 declares that it has no audit key and is never signed, so it is not a ceremony's ledger.`,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
    // The refusal released the file: it can still be opened the honest way.
    const { ledger } = await Ledger.open(path);
    await ledger.close();
  });

  it('names the first head signature in it as bad, even one that is a valid signature', async () => {
    await (await unsignedLedger(2)).close();
    const last = records()[2]!;
    const message = headSignatureMessage('transfers-1', 2, last.hash);
    const { line } = encodeRecord({
      actor: 'mallory',
      data: {
        algorithm: 'ecdsa-p256-sha256',
        head: last.hash,
        seq_signed: 2,
        signature: Buffer.from(await signer.sign(message)).toString('base64'),
      },
      prev: last.hash,
      seq: 3,
      step: null,
      time: '2026-03-01T09:00:00.000Z',
      type: 'chain.signed',
    });
    appendFileSync(path, `${line}\n`);
    const r = await verifyLedger(path);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toEqual({
      seq: 3,
      line: 4,
      reason: 'bad-signature',
      message:
        'Record 3 (line 4) is a head signature, but record 0 declares that this ledger has no audit key.',
    });
    expect(r).toMatchObject({ records: 3, signaturesChecked: 0, auditKey: null });
  });

  it('fails an expected key fingerprint with key-mismatch, saying it has no audit key', async () => {
    await (await unsignedLedger(1)).close();
    const fp = describeAuditKey(signer.algorithm, signer.publicKeySpki).fingerprint_sha256;
    const r = await verifyLedger(path, { expectedKeyFingerprint: fp });
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ seq: 0, line: 1, reason: 'key-mismatch' });
    expect(r.firstBad!.message).toBe(
      `Record 0 (line 1) declares that this ledger has no audit key, so it is not the ledger of the expected key ${fp.slice(0, 16)}….`,
    );
    expect(r.auditKey).toBeNull();
  });

  it('fails where an audit key is required (a ceremony report), while a signed ledger passes', async () => {
    await (await unsignedLedger(1)).close();
    const r = await verifyLedger(path, { requireAuditKey: true });
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ seq: 0, reason: 'key-mismatch' });
    expect(r.firstBad!.message).toBe(
      "Record 0 (line 1) declares that this ledger has no audit key, but a ceremony's ledger must name the audit key that signs it.",
    );
    const signed = join(dir, 'audit.jsonl');
    const ledger = await Ledger.create(signed, { ceremonyId: 'c', actor: 'alice', signer });
    await ledger.signHead({ actor: 'alice', step: null });
    await ledger.close();
    expect(await verifyLedger(signed, { requireAuditKey: true })).toMatchObject({ ok: true });
  });
});

describe('Ledger.create refuses half a declaration, creating no file', () => {
  it('no signer without head_signatures "none"', async () => {
    for (const data of [{}, { head_signatures: 'some' }]) {
      const e = await rejection(
        Ledger.create(path, { ceremonyId: 'c', actor: 'alice', signer: null, data }),
      );
      expect(e.code).toBe(ErrorCode.INVALID_INPUT);
      expect(e.message).toContain('must declare data.head_signatures "none"');
      expect(existsSync(path)).toBe(false);
    }
  });

  it('a signer with head_signatures', async () => {
    const e = await rejection(
      Ledger.create(path, { ceremonyId: 'c', actor: 'alice', signer, data: declared }),
    );
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toContain('this one has an audit signer');
    expect(existsSync(path)).toBe(false);
  });
});

describe('the verifier refuses half a declaration in record 0 as malformed', () => {
  const key = describeAuditKey(signer.algorithm, signer.publicKeySpki);
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'audit_key null without the declaration',
      { format: 'olocus-audit-ledger/2', audit_key: null },
      'its data.audit_key is null but data.head_signatures is not "none"',
    ],
    [
      'audit_key null in a format 1 ledger',
      { format: 'olocus-audit-ledger/1', audit_key: null, head_signatures: 'none' },
      'its data.audit_key is null, which only a "olocus-audit-ledger/2" ledger declaring head_signatures "none" may say',
    ],
    [
      'the declaration with a key',
      { format: 'olocus-audit-ledger/2', audit_key: key, head_signatures: 'none' },
      'its data.format "olocus-audit-ledger/2" declares a ledger without an audit key, but data.audit_key is not null',
    ],
    [
      'the declaration with no audit_key member at all',
      { format: 'olocus-audit-ledger/2', head_signatures: 'none' },
      'its data.format "olocus-audit-ledger/2" declares a ledger without an audit key, but data.audit_key is not null',
    ],
  ];
  for (const [name, data, why] of cases) {
    it(name, async () => {
      const r = await verifyLedger(text([opening(data)]));
      expect(r.ok).toBe(false);
      expect(r.firstBad).toEqual({
        seq: 0,
        line: 1,
        reason: 'malformed',
        message: `Record 0 (line 1) cannot anchor the ledger: ${why}.`,
      });
      expect(r).toMatchObject({ records: 0, auditKey: null, ceremonyId: null });
    });
  }

  it('still accepts a format 1 ledger with a key that carries head_signatures as a plain fact (written before format 2)', async () => {
    const r = await verifyLedger(
      text([opening({ format: 'olocus-audit-ledger/1', audit_key: key, head_signatures: 'none' })]),
    );
    expect(r).toMatchObject({ ok: true, records: 1, auditKey: key });
  });
});
