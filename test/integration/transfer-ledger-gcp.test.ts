// Cloud HSM import with --ledger: gcp import and migrate --to gcpkms:// write
// key.imported_to_cloud (or a refusal) into a ledger verify-audit accepts. Real Cloud KMS SDK
// against the loopback fake (test/fakes/gcp), a SoftHSM source token.
import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKms } from '../fakes/gcp/server';
import { runCli } from '../helpers/cli';
import {
  cliToken,
  expectNoSecrets,
  generateKey,
  labelsOn,
  readLedger,
  verifyAudit,
} from '../helpers/transfer-ledger';

const RING = 'projects/olocus-ledger/locations/europe-west4/keyRings/ledger';
const work = mkdtempSync(join(tmpdir(), 'olocus-transfer-ledger-gcp-'));
const src = cliToken('tl-gcp-src', '864200', work);
const fp: Record<string, string> = {};
let fake: FakeKms;

beforeAll(async () => {
  fake = await FakeKms.start();
  fake.seedKeyRing(RING);
  fp.moved = await generateKey(src, 'ec-p256', 'moved', true);
  fp.locked = await generateKey(src, 'ec-p256', 'locked', false);
}, 120_000);
afterAll(async () => {
  await fake.stop();
});

describe('Cloud HSM import --ledger', { timeout: 120_000 }, () => {
  it('gcp import records key.imported_to_cloud; migrate --to gcpkms:// records a refusal, key stays', async () => {
    const ledger = join(work, 'gcp.jsonl');
    const r = await runCli([
      'gcp',
      'import',
      '--from',
      src.key('moved'),
      '--to',
      `gcpkms://${RING}/cryptoKeys/moved`,
      '--endpoint',
      fake.endpoint,
      '--ledger',
      ledger,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { target: { address: string }; ledger: unknown };
    expect(out.ledger).toMatchObject({ created: true, appended: 1, headSigned: false });
    const refused = await runCli([
      'migrate',
      '--from',
      src.key('locked'),
      '--to',
      `gcpkms://${RING}/cryptoKeys/locked`,
      '--endpoint',
      fake.endpoint,
      '--ledger',
      ledger,
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/not extractable/);

    const records = readLedger(ledger);
    expect(records.map((x) => x.type)).toEqual([
      'ledger.opened',
      'key.imported_to_cloud',
      'key.migration_refused',
    ]);
    expect(records[1]!.data).toMatchObject({
      label: 'moved',
      source: { spki_sha256: fp.moved },
      target: { uri: out.target.address, spki_sha256: fp.moved, protection_level: 'HSM' },
      oaep_hash: 'sha1',
      proof: { spki_match: true, signature_verified: true },
      outcome: 'verified',
    });
    expect((records[1]!.data.mechanisms as string[]).length).toBeGreaterThan(0);
    expect(records[2]!.data).toMatchObject({ label: 'locked', outcome: 'refused', code: 106 });
    expect(await labelsOn(src)).toContain('locked');
    expectNoSecrets(ledger, [src]);
    expect(readFileSync(ledger, 'utf8')).not.toMatch(/wrapped_key|wrappedKey/);
    const { run, verdict } = await verifyAudit(ledger);
    expect(run.code, run.stdout).toBe(0);
    expect(verdict).toMatchObject({ ok: true, records: 3, signaturesChecked: 0, unsignedTail: 3 });
  });
});
