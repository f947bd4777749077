// The transfer step on two real SoftHSM tokens: the ceremony token (made by token.initialize)
// and a target token made beforehand, reached through the script's `targets:` with its own PIN
// source. Each key that moves is proven by the ledger and by a signature from the target that
// the source's public key verifies.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { runCeremony } from '../helpers/run-ceremony';
import { loadState } from '../../src/main/ceremony/run/state';
import { runCli } from '../helpers/cli';
import {
  ledgerOf,
  privateKeys,
  Room,
  targetSignsForSource,
  transferFixtures,
} from './ceremony-transfer-fixtures';

const { targets, work, scriptFor, openTarget, openCeremonyToken } = transferFixtures([
  'rsa',
  'kwp',
  'shared',
]);

describe('rsa-aes-kwp to a second token', () => {
  it('moves an extractable P-256 key, proves it, records both fingerprints, and the ledger verifies', async () => {
    const { text, script } = scriptFor({ name: 'rsa' });
    const dir = join(work, 'rsa');
    const room = new Room();
    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');

    const ledger = ledgerOf(dir);
    const generated = ledger.find((r) => r.type === 'key.generated' && r.data.label === 'signer')!;
    const migrated = ledger.find((r) => r.type === 'key.migrated')!;
    expect(migrated.step).toBe('move');
    expect(migrated.data).toMatchObject({
      label: 'signer',
      class: 'private',
      type: 'ec-p256',
      wrap: 'rsa-aes-kwp',
      mechanisms: ['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP'],
      // SoftHSM 2.6 does OAEP only with SHA-1; the choice is recorded.
      oaep_hash: 'sha1',
      source: { spki_sha256: generated.data.spki_sha256 },
      target: {
        spki_sha256: generated.data.spki_sha256,
        provenance: { local: false, sensitive: true, extractable: false },
      },
      proof: { signature_verified: true },
      outcome: 'verified',
    });
    expect(String((migrated.data.target as { token: string }).token)).toContain('xfer-dst-rsa');
    expect(ledger.filter((r) => r.step === 'move').map((r) => r.type)).toEqual(
      expect.arrayContaining(['transfer.started', 'key.migrated', 'transfer.finished']),
    );
    expect(ledger.find((r) => r.type === 'witness.signed' && r.step === 'move')).toBeDefined();

    // The copy signs; the public key the ceremony recorded for the source verifies it.
    const target = await openTarget('rsa');
    expect(await targetSignsForSource(dir, target)).toBe(true);
    expect(await privateKeys(target)).toHaveLength(1);

    const state = (await loadState(dir))!;
    expect(state.steps[2]!.results).toMatchObject({
      transfer: {
        key: 'signer',
        to: 'dr',
        wrap: 'rsa-aes-kwp',
        proven: true,
        sourceDestroyed: null,
      },
    });
    expect(room.events.filter((e) => e.stepId === 'move').map((e) => e.message)).toEqual(
      expect.arrayContaining([
        'Opening target "dr" for "signer".',
        expect.stringMatching(/^Moving "signer" to token "xfer-dst-rsa" .* with rsa-aes-kwp/),
        'The transfer of "signer" is recorded in the ledger.',
      ]),
    );
    // The PIN of the target reached neither the ledger nor the room.
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8')).not.toContain(targets.rsa!.userPin);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
    const cli = await runCli(['verify-audit', join(dir, 'audit.jsonl')]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain('The ledger verifies');
  });
});

describe('kwp under the backup KEK rebuilt from the officers’ shares', () => {
  it('moves the key under quorum, destroys the source on the approvers’ shares, and proves the copy', async () => {
    const { text, script } = scriptFor({
      name: 'kwp',
      before: '  - { id: backup, type: key.backup, keys: [signer], kek: { label: backup-kek } }\n',
      move: '    wrap: kwp\n    kek: { backup: backup-kek }\n    destroy_source: true\n    approved_by: [Bob Baker, Carol Chen]\n',
    });
    const dir = join(work, 'kwp');
    const room = new Room();
    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');

    const move = ledgerOf(dir).filter((r) => r.step === 'move');
    expect(
      move.find((r) => r.type === 'quorum.met' && r.data.split === 'backup-kek:backup-kek'),
    ).toBeDefined();
    expect(move.find((r) => r.type === 'transfer.destroy_approved')!.data).toMatchObject({
      approved_by: ['Bob Baker', 'Carol Chen'],
    });
    expect(move.find((r) => r.type === 'transfer.started')!.data).toMatchObject({
      wrap: 'kwp',
      kek: 'backup-kek-transfer-session',
      destroy_source: ['Bob Baker', 'Carol Chen'],
    });
    const migrated = move.find((r) => r.type === 'key.migrated')!.data;
    expect(migrated).toMatchObject({
      wrap: 'kwp',
      mechanisms: ['CKM_AES_KEY_WRAP_PAD'],
      oaep_hash: null,
      strength_bits: { key: 128, wrap: 256, below_key: false },
      proof: { signature_verified: true },
    });
    expect(move.find((r) => r.type === 'key.source_destroyed')!.data).toMatchObject({
      label: 'signer',
      approved_by: ['Bob Baker', 'Carol Chen'],
      outcome: 'destroyed',
    });

    const target = await openTarget('kwp');
    expect(await targetSignsForSource(dir, target)).toBe(true);
    // The session copies of the KEK are gone from both tokens; the source key is gone too.
    expect(await target.listKeys({ label: 'backup-kek-transfer-session' })).toHaveLength(0);
    const source = await openCeremonyToken(dir, room.kept);
    expect(await privateKeys(source)).toHaveLength(0);
    expect(await source.listKeys({ label: 'backup-kek-transfer-session' })).toHaveLength(0);
    expect(summary.keys.map((k) => k.label)).not.toContain('signer');
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });
});

describe('kwp under a KEK both tokens already hold', () => {
  it('names the KEK by label and moves the key under it', async () => {
    const { text, script } = scriptFor({
      name: 'shared',
      before:
        '  - { id: kek-loaded, type: witness.checkpoint, statement: The shared KEK is on both tokens }\n',
      move: '    wrap: kwp\n    kek: { label: shared-kek }\n',
    });
    const dir = join(work, 'shared');
    // The key custodians load the same AES-256 KEK onto both tokens while the witness watches.
    class LoadingRoom extends Room {
      override async witness(req: { stepId: string; witnesses: string[] }) {
        if (req.stepId === 'kek-loaded') {
          const value = new Uint8Array(randomBytes(32));
          const source = await openCeremonyToken(dir, this.kept);
          const target = await openTarget('shared');
          await source.importSecretKey('aes-256', new Uint8Array(value), {
            label: 'shared-kek',
            token: true,
            usage: ['wrap'],
          });
          await target.importSecretKey('aes-256', value, {
            label: 'shared-kek',
            token: true,
            usage: ['wrap'],
          });
        }
        return super.witness(req);
      }
    }
    const summary = await runCeremony({ script, scriptText: text, dir, room: new LoadingRoom() });
    expect(summary.status).toBe('finished');
    const move = ledgerOf(dir).filter((r) => r.step === 'move');
    expect(move.find((r) => r.type === 'transfer.started')!.data).toMatchObject({
      wrap: 'kwp',
      kek: 'shared-kek',
    });
    expect(move.find((r) => r.type === 'key.migrated')!.data).toMatchObject({
      wrap: 'kwp',
      mechanisms: ['CKM_AES_KEY_WRAP_PAD'],
      proof: { signature_verified: true },
    });
    expect(await targetSignsForSource(dir, await openTarget('shared'))).toBe(true);
  });
});

describe('ceremony validate', () => {
  it('prints the plan with the target and the transfer, and refuses a bad transfer with line:col', async () => {
    const { text } = scriptFor({ name: 'rsa' });
    const good = join(work, 'good.yaml');
    writeFileSync(good, text);
    const ok = await runCli(['ceremony', 'validate', good]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Target HSM "dr": pkcs11:token=xfer-dst-rsa');
    expect(ok.stdout).toContain('[transfer; quorum, witness]');
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, text.replace('    to: dr\n', '    to: dr-site\n'));
    const line = text.split('\n').findIndex((l) => l === '    to: dr') + 1;
    const r = await runCli(['ceremony', 'validate', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `bad.yaml:${line}:9: steps[2].to: target "dr-site" is not defined; the targets are dr.`,
    );
  });
});
