// `migrate --ledger FILE` between two SoftHSM tokens: the transfer's events land in a hash-chained
// ledger that verify-audit accepts; a refusal is recorded and leaves the key; a ledger that does
// not verify is refused untouched; a ceremony's signed ledger is appended to after its signature.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSoftwareSigner, Ledger } from '../../src/main/audit/index';
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

const work = mkdtempSync(join(tmpdir(), 'olocus-transfer-ledger-'));
const a = cliToken('tl-from', '246810', work);
const b = cliToken('tl-to', '135791', work);
const ledgerPath = join(work, 'transfers.jsonl');
const fp: Record<string, string> = {};

beforeAll(async () => {
  fp.movable = await generateKey(a, 'ec-p384', 'movable', true);
  fp.stays = await generateKey(a, 'ec-p256', 'stays', false);
  fp.second = await generateKey(a, 'ec-p256', 'second', true);
  fp.plain = await generateKey(a, 'ec-p256', 'plain', true);
}, 120_000);

describe('migrate --ledger', { timeout: 120_000 }, () => {
  it('creates the ledger with key.migrated naming both fingerprints, mechanisms and the proof', async () => {
    const r = await runCli([
      'migrate',
      '--from',
      a.key('movable'),
      '--to',
      b.uri,
      '--ledger',
      ledgerPath,
      '--actor',
      'alice (key custodian)',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ledger: { created: boolean; headSigned: boolean } };
    expect(out.ledger).toMatchObject({ created: true, headSigned: false });
    expect(r.stderr).toMatch(/No HSM audit key signs the head/);

    const records = readLedger(ledgerPath);
    expect(records[0]!.type).toBe('ledger.opened');
    // Record 0 declares that no key signs this ledger, rather than naming a key nobody holds.
    expect(records[0]!.data).toEqual({
      format: 'olocus-audit-ledger/2',
      ceremony_id: expect.stringMatching(/^transfers-\d{8}T\d{6}Z-[0-9a-f]{6}$/) as unknown,
      audit_key: null,
      head_signatures: 'none',
      purpose: 'key transfers outside a ceremony',
      command: 'migrate',
    });
    expect(records.map((x) => x.type)).toEqual([
      'ledger.opened',
      'transfer.started',
      'key.migrated',
      'transfer.finished',
    ]);
    expect(new Set(records.map((x) => x.actor))).toEqual(new Set(['alice (key custodian)']));
    const moved = eventsOf(records, 'key.migrated')[0]!.data as {
      source: { spki_sha256: string; uri: string };
      target: { spki_sha256: string; token: string };
      mechanisms: string[];
      oaep_hash: string;
      proof: { signature_verified: boolean };
      outcome: string;
    };
    expect(moved.source.spki_sha256).toBe(fp.movable);
    expect(moved.target.spki_sha256).toBe(fp.movable);
    expect(moved.mechanisms).toContain('CKM_AES_KEY_WRAP_PAD');
    expect(moved.oaep_hash).toBe('sha1');
    // SoftHSM does not expose the unwrapped private key's public point (spki_match null); the
    // signature check under the source's public key is the proof.
    expect(moved.proof).toMatchObject({ signature_verified: true });
    expect(moved.outcome).toBe('verified');
    expectNoSecrets(ledgerPath, [a, b]);

    const { run, verdict } = await verifyAudit(ledgerPath);
    expect(run.code, run.stderr).toBe(0);
    expect(verdict).toMatchObject({
      ok: true,
      records: 4,
      signaturesChecked: 0,
      unsignedTail: 4,
      auditKey: null,
    });
    const text = await runCli(['verify-audit', ledgerPath]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Unsigned tail\s+4 records/);
    expect(text.stdout).toMatch(
      /Audit key\s+none \(record 0 declares this ledger is never signed\)/,
    );
    // No audit key signs a standalone ledger's head, and the verdict must not claim one does.
    expect(text.stdout).toContain(
      "The ledger's hash chain verifies (4 records). It declares that it has no audit key",
    );
    expect(text.stdout).not.toContain('the head is signed by the audit key');
    // Pinning an audit key cannot succeed on a ledger that has none.
    const pinned = await runCli([
      'verify-audit',
      ledgerPath,
      '--key-fingerprint',
      'ab'.repeat(32),
      '--json',
    ]);
    expect(pinned.code).toBe(1);
    expect(JSON.parse(pinned.stdout)).toMatchObject({
      ok: false,
      firstBad: { seq: 0, reason: 'key-mismatch' },
    });
    expect(pinned.stdout).toContain('declares that this ledger has no audit key');
  });

  it('appends a refusal (106, the reason) for a non-extractable key, which stays; earlier lines unchanged', async () => {
    const before = readFileSync(ledgerPath);
    const r = await runCli([
      'migrate',
      '--from',
      a.key('stays'),
      '--to',
      b.uri,
      '--ledger',
      ledgerPath,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not extractable/);
    expect(r.stderr).toMatch(/Ledger: 1 event appended to/);
    const after = readFileSync(ledgerPath);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    const records = readLedger(ledgerPath);
    expect(records).toHaveLength(5);
    const refused = records[4]!;
    expect(refused.type).toBe('key.migration_refused');
    expect(refused.actor).toBe(userInfo().username);
    expect(refused.data).toMatchObject({ label: 'stays', outcome: 'refused', code: 106 });
    expect(refused.data.reason).toMatch(/not extractable/);
    expect(await labelsOn(a)).toContain('stays');
    expect(await labelsOn(b)).not.toContain('stays');
    expectNoSecrets(ledgerPath, [a, b]);
    const { run, verdict } = await verifyAudit(ledgerPath);
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({ ok: true, records: 5 });
  });

  it('records a transfer refused before it began (a key that does not exist)', async () => {
    const r = await runCli([
      'migrate',
      '--from',
      a.key('no-such-key'),
      '--to',
      b.uri,
      '--ledger',
      ledgerPath,
    ]);
    expect(r.code).not.toBe(0);
    const last = readLedger(ledgerPath).at(-1)!;
    expect(last.type).toBe('key.migration_refused');
    expect(last.data).toMatchObject({ label: 'no-such-key', outcome: 'refused' });
    expect(String(last.data.source_token)).not.toMatch(/pin/);
    expect((await verifyAudit(ledgerPath)).run.code).toBe(0);
  });

  it('refuses to append to a tampered ledger, naming the record; file unchanged, key not moved', async () => {
    const tampered = join(work, 'tampered.jsonl');
    const lines = readFileSync(ledgerPath, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"outcome":"verified"', '"outcome":"skipped"');
    writeFileSync(tampered, lines.join('\n'));
    const bytes = readFileSync(tampered);
    const r = await runCli([
      'migrate',
      '--from',
      a.key('second'),
      '--to',
      b.uri,
      '--ledger',
      tampered,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Refusing to append to the ledger .*tampered\.jsonl/);
    expect(r.stderr).toMatch(/record 2 \(line 3, edited\)/);
    expect(readFileSync(tampered).equals(bytes)).toBe(true);
    expect(await labelsOn(b)).not.toContain('second');
    expect(await labelsOn(a)).toContain('second');
    const { run, verdict } = await verifyAudit(tampered);
    expect(run.code).toBe(1);
    expect(verdict.firstBad).toMatchObject({ seq: 2, reason: 'edited' });

    // A torn last line (a crashed writer) is refused too, not recovered: that is the ceremony's.
    const torn = join(work, 'torn.jsonl');
    const whole = readFileSync(ledgerPath, 'utf8');
    writeFileSync(torn, whole.slice(0, whole.length - 20));
    const tornBytes = readFileSync(torn);
    const t = await runCli(['migrate', '--from', a.key('second'), '--to', b.uri, '--ledger', torn]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/torn-tail/);
    expect(readFileSync(torn).equals(tornBytes)).toBe(true);
    expect(readdirSync(work).filter((f) => f.startsWith('torn.jsonl.torn-'))).toEqual([]);
    expect(await labelsOn(b)).not.toContain('second');
  });

  it("appends to a ceremony's signed ledger: its signature still checks, the new events are its unsigned tail", async () => {
    const ceremony = join(work, 'audit.jsonl');
    const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
    const l = await Ledger.create(ceremony, {
      ceremonyId: 'root-2026',
      actor: 'olocus-ceremony',
      signer,
    });
    await l.append({ actor: 'bob', step: 'gen', type: 'key.generated', data: { label: 'x' } });
    await l.signHead({ actor: 'olocus-ceremony', step: null });
    await l.close();
    const before = readFileSync(ceremony);
    const r = await runCli([
      'migrate',
      '--from',
      a.key('second'),
      '--to',
      b.uri,
      '--ledger',
      ceremony,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(ceremony).subarray(0, before.length).equals(before)).toBe(true);
    const records = readLedger(ceremony);
    expect(records.slice(3).map((x) => x.type)).toEqual([
      'transfer.started',
      'key.migrated',
      'transfer.finished',
    ]);
    expect(eventsOf(records, 'key.migrated')[0]!.data).toMatchObject({
      source: { spki_sha256: fp.second },
      target: { spki_sha256: fp.second },
    });
    const { run, verdict } = await verifyAudit(ceremony);
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({ ok: true, records: 6, signaturesChecked: 1, unsignedTail: 3 });
  });

  it('without --ledger says so after a transfer in text mode; a refusal stays one sentence; --json stdout pure', async () => {
    const text = await runCli(['migrate', '--from', a.key('plain'), '--to', b.uri]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/No ledger was written for this transfer/);
    expect(await labelsOn(b)).toContain('plain');
    const refused = await runCli(['migrate', '--from', a.key('stays'), '--to', b.uri]);
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const json = await runCli(['migrate', '--from', a.key('stays'), '--to', b.uri, '--json']);
    expect(json.code).toBe(3);
    expect(json.stdout).not.toMatch(/ledger/i);
    expect(json.stderr).not.toMatch(/No ledger was written/);
    const actor = await runCli([
      'migrate',
      '--from',
      a.key('stays'),
      '--to',
      b.uri,
      '--actor',
      'x',
    ]);
    expect(actor.code).toBe(2);
    expect(actor.stderr).toMatch(/--actor .* needs --ledger FILE/);
  });
});
