// What a migration refuses, each before anything is wrapped (a clear OlocusError, a ledger
// record, both tokens as they were), and destroying the source only with the quorum's approval.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner, verifyLedger } from '../../src/main/audit';
import type { LedgerRecord } from '../../src/main/audit';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { importSharedKek, migrateKey } from '../../src/main/transfer';
import { Secret } from '../../src/shared/secret';
import type { MigrateOptions } from '../../src/main/transfer';
import { ErrorCode } from '../../src/shared/errors';
import { tokenPair } from '../helpers/token-pair';

const pair = tokenPair('refuse');
let source: Pkcs11Provider;
let target: Pkcs11Provider;
let ledger: Ledger;
let dir: string;

beforeAll(async () => {
  await pair.open();
  ({ source, target } = pair);
  await importSharedKek(source, target, Secret.adopt(randomBytes(16)), {
    label: 'kek-128',
    type: 'aes-128',
  });
  dir = mkdtempSync(join(tmpdir(), 'olocus-refuse-'));
  ledger = await Ledger.create(join(dir, 'audit.jsonl'), {
    ceremonyId: 'refusals',
    actor: 'test',
    signer: generateSoftwareSigner('ecdsa-p256-sha256').signer,
  });
});
afterAll(async () => {
  await ledger.close();
  await pair.close();
  rmSync(dir, { recursive: true, force: true });
});

const audit = {
  get ledger() {
    return ledger;
  },
  actor: 'officer-b',
};
const records = (): LedgerRecord[] =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerRecord);

/** The migration is refused with `code` and a message matching `says`; nothing moved. */
async function refused(label: string, options: MigrateOptions, code: number, says: RegExp) {
  const before = (await target.listKeys()).length;
  const err = await migrateKey(source, target, { label }, { audit, ...options }).catch(
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code, message: expect.stringMatching(says) });
  expect(await target.listKeys()).toHaveLength(before);
  expect((await source.listKeys({ label })).length).toBeGreaterThan(0);
  const last = records().at(-1)!;
  expect(last).toMatchObject({
    type: 'key.migration_refused',
    data: { label, code, outcome: 'refused' },
  });
}

describe('refusals', () => {
  it('a key that is not extractable (106)', async () => {
    await source.generateKeyPair('ec-p256', { label: 'stuck' });
    await refused('stuck', {}, ErrorCode.POLICY_VIOLATION, /not extractable/);
  });

  it('an AES-256 or EC P-384 key under an RSA-2048 transport key (106, both strengths named)', async () => {
    await source.generateKey('aes-256', { label: 'strong-aes', extractable: true });
    await source.generateKeyPair('ec-p384', { label: 'strong-ec', extractable: true });
    await refused(
      'strong-aes',
      { transport: 'rsa-2048' },
      ErrorCode.POLICY_VIOLATION,
      /AES-256 \(256 bits\).*RSA-2048 \(112 bits\)/,
    );
    await refused(
      'strong-ec',
      { transport: 'rsa-2048' },
      ErrorCode.POLICY_VIOLATION,
      /EC-P384 \(192 bits\).*RSA-2048 \(112 bits\)/,
    );
  });

  it('an AES-256 or EC P-384 key under an AES-128 KEK (106, both strengths named)', async () => {
    const kek = { source: { label: 'kek-128' }, target: { label: 'kek-128' } };
    await refused(
      'strong-aes',
      { wrap: 'kwp', kek },
      ErrorCode.POLICY_VIOLATION,
      /AES-256 \(256 bits\).*AES-128 \(128 bits\)/,
    );
    await refused(
      'strong-ec',
      { wrap: 'kwp', kek },
      ErrorCode.POLICY_VIOLATION,
      /EC-P384 \(192 bits\).*AES-128 \(128 bits\)/,
    );
  });

  it('a target template weaker than the source: extractable, not sensitive, or more usage (106)', async () => {
    await refused(
      'stuck',
      { target: { extractable: true } },
      ErrorCode.POLICY_VIOLATION,
      /as an extractable key: the source key is not extractable/,
    );
    await source.generateKeyPair('ec-p256', { label: 'movable', extractable: true });
    await refused(
      'movable',
      { target: { sensitive: false } },
      ErrorCode.POLICY_VIOLATION,
      /non-sensitive/,
    );
    await source.generateKey('aes-256', { label: 'wrap-only', extractable: true, usage: ['wrap'] });
    await refused(
      'wrap-only',
      { target: { usage: ['encrypt', 'wrap'] } },
      ErrorCode.POLICY_VIOLATION,
      /usage encrypt, which the source key does not have/,
    );
  });

  it('Ed25519, which SoftHSM can neither wrap nor unwrap (104)', async () => {
    await source.generateKeyPair('ed25519', { label: 'edwards', extractable: true });
    await refused('edwards', {}, ErrorCode.MECHANISM_UNSUPPORTED, /SoftHSM.*cannot wrap ed25519/);
  });

  it('a label already taken on the target (106), and the same token as source and target (108)', async () => {
    await target.generateKeyPair('ec-p256', { label: 'movable' });
    await refused(
      'movable',
      {},
      ErrorCode.POLICY_VIOLATION,
      /already exists on token "refuse-dst"/,
    );
    await target.destroyKey({ label: 'movable' });
    await expect(migrateKey(source, source, { label: 'movable' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_INPUT,
    });
  });
});

describe('destroying the source', () => {
  it('is refused without named approvers (106), before anything moves', async () => {
    await expect(
      migrateKey(source, target, { label: 'movable' }, { destroySource: { approvedBy: [] } }),
    ).rejects.toMatchObject({ code: ErrorCode.POLICY_VIOLATION, message: /quorum/ });
    expect(await target.listKeys({ label: 'movable' })).toEqual([]);
  });

  it('happens only after the proof, with the approvers in the ledger', async () => {
    const spki = (await source.getAttributes({ label: 'movable', class: 'private' })).spkiSha256;
    const r = await migrateKey(
      source,
      target,
      { label: 'movable' },
      { audit, destroySource: { approvedBy: ['alice', 'bob', 'carol'] } },
    );
    expect(r.proof.signatureVerified).toBe(true);
    expect(r.sourceDestroyed).toEqual({ approvedBy: ['alice', 'bob', 'carol'] });
    expect(await source.listKeys({ label: 'movable' })).toEqual([]);
    expect((await target.getAttributes({ label: 'movable', class: 'private' })).spkiSha256).toBe(
      spki,
    );
    const all = records();
    const i = all.findIndex((x) => x.type === 'key.migrated' && x.data.label === 'movable');
    expect(all[i + 1]).toMatchObject({
      type: 'key.source_destroyed',
      data: { label: 'movable', approved_by: ['alice', 'bob', 'carol'], source_spki_sha256: spki },
    });
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });
});
