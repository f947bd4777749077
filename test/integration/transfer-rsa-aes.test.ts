// Key migration between two SoftHSM tokens with the CKM_RSA_AES_KEY_WRAP format (composed from
// OAEP and KWP, since SoftHSM lacks the native mechanism), proven after import and logged.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner, verifyLedger } from '../../src/main/audit';
import type { LedgerRecord } from '../../src/main/audit';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { migrateKey, migrateKeys, verifyWithSpki } from '../../src/main/transfer';
import { tokenPair } from '../helpers/token-pair';

const pair = tokenPair('xfer');
let source: Pkcs11Provider;
let target: Pkcs11Provider;
let ledger: Ledger;
let dir: string;

beforeAll(async () => {
  await pair.open();
  ({ source, target } = pair);
  dir = mkdtempSync(join(tmpdir(), 'olocus-xfer-'));
  const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
  ledger = await Ledger.create(join(dir, 'audit.jsonl'), {
    ceremonyId: 'migration',
    actor: 'test',
    signer,
  });
});
afterAll(async () => {
  await ledger.close();
  await pair.close();
  rmSync(dir, { recursive: true, force: true });
});

const audit = () => ({ ledger, actor: 'officer-a', step: 'migrate' });
const records = (): LedgerRecord[] =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerRecord);

describe.each([
  ['ec-p256', 'rsa-3072', false],
  ['ec-p384', 'rsa-4096', true],
  ['rsa-2048', 'rsa-3072', false],
] as const)('%s private key', (type, transport, belowKey) => {
  const label = `rsaaes-${type}`;
  it(`moves under an ${transport} transport key and is proven by its public key and a signature`, async () => {
    const { privateKey } = await source.generateKeyPair(type, { label, extractable: true });
    const r = await migrateKey(source, target, { label }, { audit: audit() });
    expect(r).toMatchObject({
      label,
      class: 'private',
      type,
      wrap: 'rsa-aes-kwp',
      oaepHash: 'sha1',
      strength: { belowKey },
      sourceDestroyed: null,
    });
    expect(r.oaepNote).toMatch(/SHA-256 was refused.*SHA-1/);
    expect(r.nativeRsaAes).toMatchObject({ source: false, target: false, used: false });
    expect(r.mechanisms).toEqual(['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP']);
    expect(r.source.spkiSha256).toBe(privateKey.spkiSha256);
    expect(r.target.spkiSha256).toBe(privateKey.spkiSha256);
    // RSA keys carry their modulus, so the SPKI is read from the unwrapped key itself; SoftHSM
    // gives no public point for an unwrapped EC key, so there the signature is the proof.
    expect(r.proof).toEqual({
      method: type.startsWith('rsa') ? 'spki+signature' : 'signature',
      spkiMatch: type.startsWith('rsa') ? true : null,
      signatureVerified: true,
      kcvMatch: null,
    });
    expect(r.target.provenance).toEqual({
      local: false,
      neverExtractable: false,
      alwaysSensitive: false,
      extractable: false,
      sensitive: true,
    });
    // The migrated pair is whole on the target and signs for the source's public key.
    const data = Buffer.from(`signed on the target by ${label}`);
    const sig = await target.sign({ label }, data);
    const spki = await source.publicKey({ label });
    expect(verifyWithSpki(spki, sig.algorithm, data, sig.signature)).toBe(true);
    expect(await target.verify({ label }, data, sig.signature)).toBe(true);
    expect((await target.listKeys({ label })).map((k) => k.class).sort()).toEqual([
      'private',
      'public',
    ]);
    // Without an approval the source key stays.
    expect(await source.listKeys({ label })).toHaveLength(2);
  });
});

describe('AES-256 secret key', () => {
  it('moves under an RSA-4096 transport key and is proven by its KCV, with no usage the source lacked', async () => {
    const made = await source.generateKey('aes-256', {
      label: 'rsaaes-aes',
      extractable: true,
      usage: ['encrypt'],
    });
    const r = await migrateKey(source, target, { label: 'rsaaes-aes' }, { audit: audit() });
    expect(r.proof).toMatchObject({ method: 'kcv', kcvMatch: true });
    expect(r.source.kcv).toBe(made.kcv);
    expect(r.target.kcv).toBe(made.kcv);
    expect(r.strength).toEqual({ keyBits: 256, wrapBits: 152, belowKey: true });
    // SoftHSM would default an unwrapped AES key's CKA_SIGN/VERIFY to true; the copy is held to
    // the source's usage.
    const copy = await target.getAttributes({ label: 'rsaaes-aes' });
    expect(copy.usage).toMatchObject({
      encrypt: true,
      decrypt: true,
      sign: false,
      verify: false,
      wrap: false,
      unwrap: false,
    });
  });
});

describe('a batch', () => {
  it('moves several keys with one transport key and leaves no transport or ephemeral object behind', async () => {
    const labels = ['batch-1', 'batch-2', 'batch-3'];
    for (const label of labels)
      await source.generateKeyPair('ec-p256', { label, extractable: true });
    const results = await migrateKeys(
      source,
      target,
      labels.map((label) => ({ label })),
      { audit: audit(), concurrency: 2 },
    );
    expect(results.map((r) => r.label)).toEqual(labels);
    expect(results.every((r) => r.proof.signatureVerified)).toBe(true);
    for (const hsm of [source, target]) {
      const leftovers = (await hsm.listKeys()).filter((k) =>
        /^olocus-(transport|ephemeral|probe)-/.test(k.label),
      );
      expect(leftovers).toEqual([]);
    }
  });
});

describe('the ledger', () => {
  it('records each key with both fingerprints, mechanisms, OAEP hash and outcome, and no key bytes', async () => {
    const all = records();
    const migrated = all.filter((r) => r.type === 'key.migrated');
    expect(migrated.length).toBeGreaterThanOrEqual(7);
    const p256 = migrated.find((r) => r.data.label === 'rsaaes-ec-p256')!;
    expect(p256).toMatchObject({ actor: 'officer-a', step: 'migrate' });
    expect(p256.data).toMatchObject({
      wrap: 'rsa-aes-kwp',
      mechanisms: ['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP'],
      oaep_hash: 'sha1',
      outcome: 'verified',
      proof: { method: 'signature', signature_verified: true },
    });
    const d = p256.data as { source: { spki_sha256: string }; target: { spki_sha256: string } };
    expect(d.source.spki_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(d.target.spki_sha256).toBe(d.source.spki_sha256);
    const started = all.filter((r) => r.type === 'transfer.started');
    expect(started[0]!.data).toMatchObject({
      wrap: 'rsa-aes-kwp',
      transport: { type: 'rsa-3072', spki_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    // No field holds more than a fingerprint's worth of hex or any base64 blob.
    const text = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    for (const r of all.filter((x) => x.type !== 'ledger.opened'))
      expect(JSON.stringify(r.data)).not.toMatch(/[0-9a-f]{65,}|[A-Za-z0-9+/]{80,}={0,2}/);
    expect(text).not.toContain(randomBytes(4).toString('hex'));
    const v = await verifyLedger(join(dir, 'audit.jsonl'));
    expect(v.ok).toBe(true);
    expect(createHash('sha256').update(text).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
  });
});
