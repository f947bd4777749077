// The CMVP table lookups and the algorithm policy the report prints.
import { describe, expect, it } from 'vitest';
import {
  CMVP_TABLE,
  assessAlgorithm,
  ledgerAlgorithms,
  lookupModule,
  type Verdict,
} from '../../src/main/compliance';
import type { LedgerRecord } from '../../src/main/audit';

const AFTER_140_2_END = new Date('2026-11-29T00:00:00Z');
const BEFORE_140_2_END = new Date('2025-06-01T00:00:00Z');
const LUNA = { libraryManufacturer: 'SafeNet', libraryDescription: 'Chrystoki' };

describe('CMVP module table', () => {
  it('records a source for every row and never an unsourced number', () => {
    expect(CMVP_TABLE.modules.length).toBeGreaterThanOrEqual(8);
    for (const m of CMVP_TABLE.modules) {
      expect(m.source_url).toMatch(/^https:\/\//);
      expect(m.source_note.length).toBeGreaterThan(20);
      expect(m.certificate === null || /^\d{3,5}$/.test(m.certificate)).toBe(true);
      if (m.certificate === null) expect(m.status).toBe('unknown');
    }
    const vendors = new Set(CMVP_TABLE.modules.map((m) => m.vendor));
    for (const v of [
      'thales_luna',
      'entrust_nshield',
      'utimaco',
      'aws_cloudhsm',
      'marvell_liquidsecurity',
      'yubihsm',
    ])
      expect(vendors).toContain(v);
  });

  it('reports SoftHSM as not validated', () => {
    const v = lookupModule({
      tokenManufacturer: 'SoftHSM project',
      tokenModel: 'SoftHSM v2',
      firmwareVersion: '2.6',
    });
    expect(v.verdict).toBe('not-validated');
    expect(v.summary).toMatch(/no FIPS 140 validation/);
  });

  it('matches a Luna on 7.8 firmware to the FIPS 140-3 certificate and asks for the patch level', () => {
    const v = lookupModule({ ...LUNA, firmwareVersion: '7.8' }, AFTER_140_2_END);
    expect(v.verdict).toBe('validated');
    expect(v.summary).toContain('#4684');
    expect(v.summary).toMatch(/confirm the patch level/);
  });

  it('dates a FIPS 140-2 certificate: active before 21 September 2026, historical after', () => {
    expect(lookupModule({ ...LUNA, firmwareVersion: '7.7' }, BEFORE_140_2_END)).toMatchObject({
      verdict: 'validated',
    });
    const late = lookupModule({ ...LUNA, firmwareVersion: '7.7' }, AFTER_140_2_END);
    expect(late.verdict).toBe('historical');
    expect(late.summary).toContain('#4090');
  });

  it('recognises AWS CloudHSM by its module path and prefers the active hsm2m certificate', () => {
    const v = lookupModule(
      { modulePath: '/opt/cloudhsm/lib/libcloudhsm_pkcs11.so' },
      AFTER_140_2_END,
    );
    expect(v.verdict).toBe('validated');
    expect(v.summary).toContain('#4703');
    expect(v.entries.find((e) => e.certificate === '4218')?.statusOn).toBe('historical');
  });

  it('keeps unknown numbers unknown (nShield, Marvell) and lapses YubiHSM 2 after its sunset', () => {
    expect(
      lookupModule({
        libraryManufacturer: 'nCipher Corp. Ltd',
        tokenManufacturer: 'nCipher Corp. Ltd',
      }).verdict,
    ).toBe('unknown');
    expect(lookupModule({ vendor: 'marvell_liquidsecurity' }).verdict).toBe('unknown');
    const yubi = {
      libraryManufacturer: 'Yubico (www.yubico.com)',
      libraryDescription: 'YubiHSM PKCS#11 Library',
    };
    expect(lookupModule(yubi, new Date('2026-01-01')).verdict).toBe('validated');
    expect(lookupModule(yubi, AFTER_140_2_END)).toMatchObject({ verdict: 'historical' });
  });

  it('says so when the HSM is not in the table at all', () => {
    expect(lookupModule({ tokenManufacturer: 'Acme', tokenModel: 'Box' }).verdict).toBe('unknown');
  });
});

describe('algorithm policy', () => {
  const cases: [string, Verdict][] = [
    ['ec-p256', 'approved'],
    ['ec-p384', 'approved'],
    ['ec-p521', 'approved'],
    ['ec-secp256k1', 'not-approved'],
    ['ed25519', 'approved'],
    ['rsa-2048', 'acceptable'],
    ['rsa-3072', 'approved'],
    ['aes-128', 'approved'],
    ['aes-256', 'approved'],
    ['aes-kwp', 'approved'],
    ['CKM_AES_KEY_WRAP_PAD (RFC 5649)', 'approved'],
    ['rsa-oaep-sha1', 'transport-only'],
    ['rsa-oaep-sha256', 'approved'],
    ['ecdsa-p256-sha256', 'approved'],
    ['CKM_RSA_PKCS', 'not-approved'],
    ['rot13', 'unknown'],
  ];
  it.each(cases)('%s is %s', (name, verdict) => {
    expect(assessAlgorithm(name).verdict).toBe(verdict);
  });

  it('cites FIPS 186-5 for secp256k1 and key transport for SHA-1 OAEP', () => {
    expect(assessAlgorithm('ec-secp256k1').reference).toMatch(/186-5/);
    expect(assessAlgorithm('rsa-oaep-sha1').note).toMatch(/key transport only/);
  });

  it('flags every key and mechanism a ledger mentions, wherever they sit', () => {
    const rec = (seq: number, type: string, data: Record<string, unknown>): LedgerRecord => ({
      seq,
      type,
      data,
      actor: 'a',
      step: 's',
      time: '2026-01-01T00:00:00.000Z',
      hash: '0'.repeat(64),
      prev: '0'.repeat(64),
    });
    const found = ledgerAlgorithms([
      rec(0, 'ledger.opened', { audit_key: { algorithm: 'ecdsa-p256-sha256' } }),
      rec(1, 'step.started', { type: 'key.generate' }),
      rec(2, 'key.generated', { label: 'btc', type: 'ec-secp256k1' }),
      rec(3, 'key.wrapped', {
        mechanism: 'CKM_RSA_PKCS_OAEP (SHA-1)',
        nested: { wrap: 'aes-kwp' },
      }),
      rec(4, 'key.generated', { label: 'btc2', type: 'ec-secp256k1' }),
    ]);
    const by = new Map(found.map((a) => [a.id, a]));
    expect(by.get('ec-secp256k1')).toMatchObject({
      verdict: 'not-approved',
      mentions: 2,
      seqs: [2, 4],
    });
    expect(by.get('rsa-oaep-sha1')?.verdict).toBe('transport-only');
    expect(by.get('aes-kwp')?.verdict).toBe('approved');
    expect(by.get('ecdsa-sha256')?.verdict).toBe('approved');
    expect(by.has('key.generate')).toBe(false);
  });
});
