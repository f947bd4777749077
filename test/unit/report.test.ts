// The report without an HSM: a small ledger written through the real Ledger API, a software
// report signer (self-signed), and the pieces the sections are built from.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner, type LedgerRecord } from '../../src/main/audit';
import {
  buildReport,
  softwareReportSigner,
  verifyReport,
  type BuiltReport,
  type ReportSigner,
} from '../../src/main/report';
import { pdfSafe, summarise } from '../../src/main/report/layout/text';
import { quorumEvents } from '../../src/main/report/model/ledger-views';
import { ecdsaRawToDer } from '../../src/main/report/sign/cms';

const dir = mkdtempSync(join(tmpdir(), 'olocus-report-unit-'));
const A = 'Ada Administrator';
let built: BuiltReport;
let reportSigner: ReportSigner;

beforeAll(async () => {
  const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
  const ledger = await Ledger.create(join(dir, 'audit.jsonl'), {
    ceremonyId: 'unit-1',
    actor: A,
    signer,
  });
  const add = (step: string | null, type: string, data: Record<string, unknown>) =>
    ledger.append({ actor: A, step, type, data });
  await add(null, 'ceremony.started', {
    id: 'unit-1',
    name: 'Unit ceremony',
    location: 'Room 1',
    roles: { administrator: A, officers: ['Bo', 'Cy'], witnesses: ['Wu'] },
    quorum: { threshold: 2, total: 2 },
  });
  await add('s1', 'step.started', { type: 'key.generate', title: 'Make a secp256k1 key' });
  await add('s1', 'secret.split', {
    split: 'pins',
    protects: 'PINs',
    threshold: 2,
    total: 2,
    commitments: { Bo: 'aa'.repeat(32), Cy: 'bb'.repeat(32) },
  });
  await add('s1', 'share.accepted', { custodian: 'Bo', commitment: 'aa'.repeat(32) });
  await add('s1', 'share.accepted', { custodian: 'Cy', commitment: 'cc'.repeat(32) });
  await add('s1', 'key.generated', {
    label: 'btc',
    type: 'ec-secp256k1',
    class: 'private',
    spki_sha256: 'ab'.repeat(32),
    provenance: { local: true },
  });
  await add('s1', 'attestation.verdict', {
    key: 'btc',
    vendor: 'SoftHSM',
    overall: 'fail',
    checks: [{ name: 'generated-on-token', status: 'fail', evidence: 'CKA_LOCAL false' }],
    notes: ['SoftHSM has no attestation'],
  });
  await add('s1', 'witness.signed', { witness: 'Wu', statement: 'Seen → fine' });
  await add('s1', 'step.completed', { results: { key: { label: 'btc' } } });
  // As finish.ts does: the report signer is named in the ledger before the ceremony ends.
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  reportSigner = await softwareReportSigner(key, { ceremonyId: 'unit-1' });
  await add(null, 'report.signer', reportSigner.record);
  await add(null, 'ceremony.finished', {});
  await ledger.signHead({ actor: A, step: null });
  await ledger.close();
  built = await buildReport(dir, { signer: reportSigner });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report with a software signer', () => {
  it('verifies: self-signed chain, embedded ledger, head on the cover and in the metadata', async () => {
    const v = await verifyReport(built.pdf);
    expect(v.failures).toEqual([]);
    expect(v.signature?.chain.kind).toBe('self-signed');
    expect(v.ledger).toMatchObject({
      ok: true,
      records: built.ledgerRecords,
      head: built.ledgerHead,
    });
    expect(built.ledgerVerified).toBe(true);
    expect(v.chainsTo).toMatch(
      /^nothing: the signing certificate CN=.* is self-signed; the ceremony's ledger names it as the report signer at record \d+, under the audit key's signature \(the ceremony made no root\)$/,
    );
  });

  it('refuses a report signed by a foreign self-signed certificate the ledger does not name', async () => {
    const foreign = await softwareReportSigner(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      { ceremonyId: 'unit-1' },
    );
    const other = await buildReport(dir, { signer: foreign });
    const v = await verifyReport(other.pdf);
    expect(v.ok).toBe(false);
    expect(v.failures).toEqual([
      {
        check: 'certificate-chain',
        message:
          "The signing certificate is self-signed and the embedded ledger does not name it as this ceremony's report signer: it is not the ceremony's.",
      },
    ]);
  });

  it('refuses a self-signed report when a root is given', async () => {
    const v = await verifyReport(built.pdf, { root: reportSigner.certificate });
    expect(v.failures.map((f) => f.check)).toEqual(['certificate-chain']);
    expect(v.failures[0]!.message).toMatch(
      /^The signing certificate is self-signed; it does not chain to the root given \(CN=.*, SHA-256 [0-9a-f]{64}\)\.$/,
    );
  });

  it('prints attestation verdicts, flags secp256k1 and a share that matches no commitment', () => {
    const path = join(dir, 'r.pdf');
    writeFileSync(path, built.pdf);
    const t = execFileSync('pdftotext', ['-layout', path, '-']).toString('utf8');
    expect(t).toContain('SoftHSM has no attestation');
    expect(t).toContain('generated-on-token: fail (CKA_LOCAL false)');
    expect(t).toMatch(/EC secp256k1[\s\S]*not-approved/);
    expect(t).toMatch(/Flagged: EC secp256k1 \(not-approved\)/);
    expect(t).toContain('NO MATCH with any published commitment');
    expect(t).toContain('Seen -> fine');
    expect(t).toContain('software key in memory');
  });

  it('reports an unsigned PDF and a non-PDF by name', async () => {
    const plain = await new Promise<Uint8Array>((resolve) => {
      const doc = new PDFDocument();
      const chunks: Buffer[] = [];
      doc.on('data', (c: Buffer) => chunks.push(c));
      doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
      doc.text('hello');
      doc.end();
    });
    expect((await verifyReport(plain)).failures.map((f) => f.check)).toEqual([
      'signature',
      'embedded-ledger',
      'ledger-head',
    ]);
    expect(
      (await verifyReport(new Uint8Array(Buffer.from('not a pdf')))).failures.map((f) => f.check),
    ).toEqual(['pdf']);
  });
});

describe('report of a ledger without an audit key', () => {
  it('is refused, naming the declaration; nothing is written', async () => {
    const other = mkdtempSync(join(tmpdir(), 'olocus-report-unsigned-'));
    try {
      const ledger = await Ledger.create(join(other, 'audit.jsonl'), {
        ceremonyId: 'transfers-1',
        actor: A,
        signer: null,
        data: { head_signatures: 'none' },
      });
      await ledger.close();
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const signer = await softwareReportSigner(key, { ceremonyId: 'transfers-1' });
      await expect(buildReport(other, { signer })).rejects.toThrow(
        `${join(other, 'audit.jsonl')} declares in its record 0 that it has no audit key: it is a ledger of transfers written outside a ceremony, not a ceremony's ledger, so no report is made from it.`,
      );
      expect(readdirSync(other)).toEqual(['audit.jsonl']);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('report building blocks', () => {
  it('checks each presented share against the published commitments', () => {
    const r = (seq: number, type: string, data: Record<string, unknown>): LedgerRecord => ({
      seq,
      type,
      data,
      actor: A,
      step: 's',
      time: '2026-01-01T00:00:00.000Z',
      hash: '',
      prev: '',
    });
    const events = quorumEvents([
      r(1, 'secret.split', { split: 'p', commitments: { Bo: 'aa' } }),
      r(2, 'share.accepted', { custodian: 'Bo', commitment: 'aa' }),
      r(3, 'share.refused', { custodian: null, reason: 'bad checksum' }),
      r(4, 'quorum.met', { split: 'p', custodians: ['Bo'], threshold: 1 }),
    ]);
    expect(events.map((e) => e.kind)).toEqual(['accepted', 'refused', 'quorum met']);
    expect(events[0]!.check).toMatch(/^matches Bo's commitment for p/);
    expect(events[1]).toMatchObject({ custodian: '(unidentified)', check: 'bad checksum' });
  });

  it('turns raw r||s into minimal DER integers', () => {
    const raw = new Uint8Array(64);
    raw[0] = 0x80; // r needs a leading zero in DER
    raw[63] = 0x01; // s is 1 after stripping zeros
    expect(Buffer.from(ecdsaRawToDer(raw)).toString('hex')).toBe(
      `3026022100${'80'.padEnd(64, '0')}020101`,
    );
  });

  it('keeps text printable in the standard fonts and summarises results', () => {
    expect(pdfSafe('a → b ≠ c “q” é 漢')).toBe('a -> b != c “q” é ?');
    expect(
      summarise({
        key: { label: 'k', fingerprint: { hex: 'ab', words: 'x y' } },
        outputs: ['a', 'b'],
      }),
    ).toBe('key.label: k; key.fingerprint.hex: ab; outputs: a, b');
  });
});
