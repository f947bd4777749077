// Azure BYOK with --ledger: byok export, byok import and migrate --to azurekv:// write
// key.byok_exported / key.byok_imported (or a refusal) into a ledger verify-audit accepts, tied
// together by the .byok file's SHA-256 and never holding its ciphertext. Real Azure SDK against
// the loopback fake vault (test/fakes/azure), a SoftHSM source token.
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureRig } from '../fakes/azure/index';
import type { AzureTestRig } from '../fakes/azure/index';
import { runCli } from '../helpers/cli';
import {
  cliToken,
  eventsOf,
  expectNoSecrets,
  generateKey,
  labelsOn,
  readLedger,
  verifyAudit,
} from '../helpers/transfer-ledger';

const VAULT = 'ledger.vault.olocus.test';
const work = mkdtempSync(join(tmpdir(), 'olocus-transfer-ledger-azure-'));
const src = cliToken('tl-azure-src', '975311', work);
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const fp: Record<string, string> = {};
let rig: AzureTestRig;
let kekKid = '';
const cli = (...args: string[]) => runCli(args, { env: rig.env });

beforeAll(async () => {
  rig = await startAzureRig({ vaults: [{ host: VAULT }] });
  fp.exported = await generateKey(src, 'ec-p256', 'exported', true);
  fp.migrated = await generateKey(src, 'ec-p256', 'migrated', true);
  fp.locked = await generateKey(src, 'ec-p256', 'locked', false);
  const r = await cli(
    'byok',
    'kek',
    '--vault',
    VAULT,
    '--name',
    'kek',
    '--size',
    '3072',
    '--out',
    join(work, 'kek.pem'),
    '--json',
  );
  expect(r.code, r.stderr).toBe(0);
  kekKid = (JSON.parse(r.stdout) as { kid: string }).kid;
}, 180_000);

afterAll(async () => {
  await rig?.fake.close();
});

describe('BYOK --ledger', { timeout: 180_000 }, () => {
  it('byok export then byok import: both events, the same file hash, both fingerprints, no ciphertext', async () => {
    const ledger = join(work, 'byok.jsonl');
    const file = join(work, 'exported.byok');
    const exp = await cli(
      'byok',
      'export',
      '--key',
      src.key('exported'),
      '--kek-pem',
      join(work, 'kek.pem'),
      '--kek-kid',
      kekKid,
      '--out',
      file,
      '--ledger',
      ledger,
      '--json',
    );
    expect(exp.code, exp.stderr).toBe(0);
    const imp = await cli(
      'byok',
      'import',
      '--file',
      file,
      '--to',
      `azurekv://${VAULT}/keys/exported`,
      '--source',
      src.key('exported'),
      '--ledger',
      ledger,
      '--actor',
      'carol',
      '--json',
    );
    expect(imp.code, imp.stderr).toBe(0);
    const imported = JSON.parse(imp.stdout) as {
      key: { kid: string };
      ledger: { created: boolean };
    };
    expect(imported.ledger.created).toBe(false);

    const records = readLedger(ledger);
    expect(records.map((r) => r.type)).toEqual([
      'ledger.opened',
      'key.byok_exported',
      'key.byok_imported',
    ]);
    const fileBytes = readFileSync(file);
    const kekDer = createPublicKey(readFileSync(join(work, 'kek.pem'), 'utf8')).export({
      type: 'spki',
      format: 'der',
    });
    const exported = records[1]!;
    expect(exported.data).toMatchObject({
      label: 'exported',
      source: { spki_sha256: fp.exported },
      kek: { kid: kekKid, spki_sha256: sha256(kekDer), type: 'rsa-3072' },
      mechanisms: ['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP'],
      oaep_hash: 'sha1',
      file: { path: file, sha256: sha256(fileBytes) },
      outcome: 'written',
    });
    const done = records[2]!;
    expect(done.actor).toBe('carol');
    expect(done.data).toMatchObject({
      vault: VAULT,
      key_id: imported.key.kid,
      kek_kid: kekKid,
      file_sha256: sha256(fileBytes),
      source: { spki_sha256: fp.exported },
      target: { spki_sha256: fp.exported },
      proof: { spki_match: true, signature_verified: true },
      outcome: 'verified',
    });
    const ciphertext = (JSON.parse(fileBytes.toString('utf8')) as { ciphertext: string })
      .ciphertext;
    const text = readFileSync(ledger, 'utf8');
    expect(text).not.toContain(ciphertext);
    expect(text).not.toContain(ciphertext.slice(0, 40));
    expectNoSecrets(ledger, [src]);
    const { run, verdict } = await verifyAudit(ledger);
    expect(run.code, run.stdout).toBe(0);
    expect(verdict).toMatchObject({ ok: true, records: 3, signaturesChecked: 0, unsignedTail: 3 });
  });

  it('migrate --to azurekv:// records the export and the import; a refused key is recorded and stays', async () => {
    const ledger = join(work, 'migrate.jsonl');
    const ok = await cli(
      'migrate',
      '--from',
      src.key('migrated'),
      '--to',
      `azurekv://${VAULT}/keys/migrated`,
      '--ledger',
      ledger,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Ledger: 2 events written to the new ledger/);
    expect(ok.stderr).toMatch(/No HSM audit key signs the head/);
    const refused = await cli(
      'migrate',
      '--from',
      src.key('locked'),
      '--to',
      `azurekv://${VAULT}/keys/locked`,
      '--ledger',
      ledger,
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/not extractable/);

    const records = readLedger(ledger);
    expect(records.map((r) => r.type)).toEqual([
      'ledger.opened',
      'key.byok_exported',
      'key.byok_imported',
      'key.migration_refused',
    ]);
    expect(eventsOf(records, 'key.byok_exported')[0]!.data).toMatchObject({
      source: { spki_sha256: fp.migrated },
    });
    expect(eventsOf(records, 'key.byok_imported')[0]!.data).toMatchObject({
      target: { spki_sha256: fp.migrated },
      outcome: 'verified',
    });
    expect(records[3]!.data).toMatchObject({ label: 'locked', outcome: 'refused', code: 106 });
    expect(rig.fake.vault(VAULT).latest('locked')).toBeUndefined();
    expect(await labelsOn(src)).toContain('locked');
    expectNoSecrets(ledger, [src]);
    expect((await verifyAudit(ledger)).verdict).toMatchObject({ ok: true, records: 4 });
  });
});
