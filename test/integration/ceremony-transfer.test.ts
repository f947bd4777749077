// The transfer step on two real SoftHSM tokens: the ceremony token (made by token.initialize)
// and a target token made beforehand, reached through the script's `targets:` with its own PIN
// source. Each key that moves is proven by the ledger and by a signature from the target that
// the source's public key verifies; refusals and interruptions leave nothing lost or doubled.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { combineShares, decodeShare } from '../../src/main/ceremony/quorum/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { splitTokenPins } from '../../src/main/ceremony/run/context';
import { runCeremony } from '../../src/main/ceremony/run/engine';
import type { IssuedShare, RoomEvent } from '../../src/main/ceremony/run/room';
import { loadState } from '../../src/main/ceremony/run/state';
import { parseScript } from '../../src/main/ceremony/script/load';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { verifyWithSpki } from '../../src/main/hsm/software-verify';
import { ErrorCode } from '../../src/shared/errors';
import { runCli } from '../helpers/cli';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
// Target tokens exist before the first provider opens: SoftHSM reads its store at C_Initialize.
const TARGETS = {
  rsa: createToken('xfer-dst-rsa', '246801'),
  kwp: createToken('xfer-dst-kwp', '246802'),
  refused: createToken('xfer-dst-refused', '246803'),
  resume: createToken('xfer-dst-resume', '246804'),
  half: createToken('xfer-dst-half', '246805'),
  destroy: createToken('xfer-dst-destroy', '246807'),
  shared: createToken('xfer-dst-shared', '246808'),
  ed25519: createToken('xfer-dst-ed25519', '246809'),
  badpin: createToken('xfer-dst-badpin', '246806'),
};
const work = mkdtempSync(join(tmpdir(), 'olocus-xfer-'));
const opened: Pkcs11Provider[] = [];
afterAll(async () => {
  for (const p of opened) await p.close();
});

interface Options {
  name: keyof typeof TARGETS;
  backup?: boolean;
  keyType?: string;
  move?: string;
  /** Extra steps between key generation and the transfer. */
  before?: string;
  pinSource?: string;
}

function scriptFor(o: Options): { text: string; script: ReturnType<typeof parseScript> } {
  const t = TARGETS[o.name];
  const source = o.pinSource ?? `env:XFER_PIN_${o.name.toUpperCase()}`;
  process.env[`XFER_PIN_${o.name.toUpperCase()}`] = t.userPin;
  const text = `version: 1
ceremony: { id: xfer-${o.name}, name: Transfer ${o.name}, location: Lab }
hsm: { uri: 'pkcs11:token=xfer-src-${o.name}?module-path=${SOFTHSM_MODULE}' }
targets:
  dr:
    uri: 'pkcs11:token=${t.label}?module-path=${SOFTHSM_MODULE}&pin-source=${source}'
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
  witnesses: [Walter Witness]
quorum: { threshold: 2 }
steps:
  - { id: init, type: token.initialize }
  - { id: gen, type: key.generate, key: { label: signer, type: ${o.keyType ?? 'ec-p256'} }, policy: { backup: ${o.backup ?? true} } }
${o.before ?? ''}  - id: move
    type: transfer
    key: signer
    to: dr
${o.move ?? '    wrap: rsa-aes-kwp\n'}    witness: required
`;
  return { text, script: parseScript(text) };
}

type Rec = { type: string; step: string | null; data: Record<string, unknown> };
const ledgerOf = (dir: string): Rec[] =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);

async function openToken(label: string, userPin: Uint8Array): Promise<Pkcs11Provider> {
  const p = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: label } });
  opened.push(p);
  await p.login(userPin);
  return p;
}

const openTarget = (name: keyof typeof TARGETS) =>
  openToken(TARGETS[name].label, pin(TARGETS[name].userPin));

/** The ceremony token opened as the officers would: their kept shares give the user PIN. */
async function openCeremonyToken(dir: string, kept: IssuedShare[]): Promise<Pkcs11Provider> {
  const state = (await loadState(dir))!;
  const shares = kept.filter((s) => s.secretId === 'token-pins').slice(0, 2);
  const secret = await combineShares(await Promise.all(shares.map((s) => decodeShare(s.text))), {
    secretCommitment: state.secrets['token-pins']!.secretCommitment,
  });
  return openToken(state.token!.label, splitTokenPins(secret).userPin);
}

const privateKeys = async (p: Pkcs11Provider, label = 'signer') =>
  (await p.listKeys({ label })).filter((k) => k.class === 'private');

/** Signs on the target; the source's public key, as the run wrote it, must verify. */
async function targetSignsForSource(dir: string, target: Pkcs11Provider): Promise<boolean> {
  const data = Buffer.from('signed by the copy on the target token');
  const sig = await target.sign({ label: 'signer', class: 'private' }, data);
  const spki = readFileSync(join(dir, 'public-keys', 'signer.spki.der'));
  return verifyWithSpki(spki, sig.algorithm, data, sig.signature);
}

class Room extends ScriptedRoom {
  kept: IssuedShare[] = [];
  constructor(
    private readonly failOn?: { message: RegExp; times: number },
    shares: IssuedShare[] = [],
  ) {
    super({ shares, keep: async (s) => void (this as Room).kept.push(...s) });
  }
  override announce(e: RoomEvent): void {
    super.announce(e);
    // A power cut at a chosen moment: the process stops exactly here.
    if (this.failOn && this.failOn.times > 0 && this.failOn.message.test(e.message)) {
      this.failOn.times--;
      throw new Error('power cut');
    }
  }
}

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
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8')).not.toContain(TARGETS.rsa.userPin);
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

describe('a transfer migrateKey refuses', () => {
  it('a non-extractable key: a clear error, recorded, and both tokens as they were', async () => {
    const { text, script } = scriptFor({ name: 'refused', backup: false });
    const dir = join(work, 'refused');
    const room = new Room();
    const target = await openTarget('refused');
    const before = (await target.listKeys()).map((k) => k.uri).sort();
    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining('The key "signer" on token "xfer-src-refused" (serial'),
    });
    expect((err as Error).message).toContain(
      'is not extractable (CKA_EXTRACTABLE false), so it cannot be wrapped or migrated',
    );
    expect((await target.listKeys()).map((k) => k.uri).sort()).toEqual(before);
    const ledger = ledgerOf(dir);
    const generated = ledger.find((r) => r.type === 'key.generated' && r.data.label === 'signer')!;
    expect(ledger.find((r) => r.type === 'key.migration_refused')!.data).toMatchObject({
      label: 'signer',
      outcome: 'refused',
      code: ErrorCode.POLICY_VIOLATION,
    });
    expect(
      room.events.some((e) => e.kind === 'refused' && e.message.includes('not extractable')),
    ).toBe(true);
    // The source key is still there, the same key, and the run can resume.
    const source = await openCeremonyToken(dir, room.kept);
    const kept = await privateKeys(source);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.spkiSha256).toBe(generated.data.spki_sha256);
    expect((await loadState(dir))!.steps.map((s) => s.status)).toEqual(['done', 'done', 'started']);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('an Ed25519 key, which SoftHSM cannot wrap: said so, and nothing on the target', async () => {
    const { text, script } = scriptFor({ name: 'ed25519', keyType: 'ed25519' });
    const dir = join(work, 'ed25519');
    const room = new Room();
    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.MECHANISM_UNSUPPORTED });
    expect((err as Error).message).toContain('cannot wrap ed25519 keys');
    expect((err as Error).message).toMatch(/SoftHSM/);
    expect(await (await openTarget('ed25519')).listKeys()).toHaveLength(0);
    const source = await openCeremonyToken(dir, room.kept);
    expect(await privateKeys(source)).toHaveLength(1);
    expect(ledgerOf(dir).find((r) => r.type === 'key.migration_refused')).toBeDefined();
  });

  it('a wrong target PIN: 102, nothing on the target, and the PIN in no message', async () => {
    const pinFile = join(work, 'wrong-pin');
    writeFileSync(pinFile, '999999\n');
    chmodSync(pinFile, 0o600);
    const { text, script } = scriptFor({ name: 'badpin', pinSource: `file:${pinFile}` });
    const dir = join(work, 'badpin');
    const err = await runCeremony({ script, scriptText: text, dir, room: new Room() }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED });
    expect((err as Error).message).toContain('xfer-dst-badpin');
    expect((err as Error).message).not.toContain('999999');
    expect(await (await openTarget('badpin')).listKeys()).toHaveLength(0);
  });
});

describe('resume', () => {
  it('after the transfer was recorded, the run resumes without transferring again', async () => {
    const { text, script } = scriptFor({ name: 'resume' });
    const dir = join(work, 'resume');
    const room = new Room({ message: /is recorded in the ledger/, times: 1 });
    await expect(runCeremony({ script, scriptText: text, dir, room })).rejects.toThrow('power cut');
    expect((await loadState(dir))!.steps[2]!.statement).toBeUndefined();

    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    const move = ledgerOf(dir).filter((r) => r.step === 'move');
    expect(move.filter((r) => r.type === 'transfer.started')).toHaveLength(1);
    expect(move.filter((r) => r.type === 'key.migrated')).toHaveLength(1);
    expect(move.find((r) => r.type === 'step.recovered')).toBeDefined();
    expect(room.events.map((e) => e.message)).toContain(
      '"signer" was already transferred to "dr" by the interrupted run and recorded; it is not transferred again.',
    );
    const target = await openTarget('resume');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(await targetSignsForSource(dir, target)).toBe(true);
    expect((await loadState(dir))!.steps[2]!.results).toMatchObject({
      transfer: { proven: true, wrap: 'rsa-aes-kwp' },
    });
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('a copy unwrapped but not recorded is found, named and not made again; once removed the transfer runs once', async () => {
    const { text, script } = scriptFor({ name: 'half' });
    const dir = join(work, 'half');
    const room = new Room({ message: /is proven; recording it/, times: 1 });
    await expect(runCeremony({ script, scriptText: text, dir, room })).rejects.toThrow('power cut');
    const target = await openTarget('half');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(ledgerOf(dir).filter((r) => r.type === 'key.migrated')).toHaveLength(0);

    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.POLICY_VIOLATION });
    const message = (err as Error).message;
    expect(message).toContain(
      'The previous run stopped after "signer" was unwrapped on target "dr" (token "xfer-dst-half"',
    );
    expect(message).toContain("its public key is the source's");
    expect(message).toContain('Nothing was transferred again');
    expect(message).toContain(
      `Have the target's officer destroy that unrecorded copy (all 2 objects labelled "signer" with CKA_ID`,
    );
    expect(message).toContain('private key, public key');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(ledgerOf(dir).find((r) => r.type === 'transfer.interrupted_copy_found')).toBeDefined();

    // The target's officer removes the unrecorded copy; the run then transfers once.
    await target.destroyKey({ label: 'signer' });
    // Officers come back with their cards to a new session.
    const again = new Room(undefined, room.kept);
    const summary = await runCeremony({ script, scriptText: text, dir, room: again });
    expect(summary.status).toBe('finished');
    expect(ledgerOf(dir).filter((r) => r.type === 'key.migrated')).toHaveLength(1);
    expect(await privateKeys(target)).toHaveLength(1);
    expect(await targetSignsForSource(dir, target)).toBe(true);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('an approved destroy cut short after the copy was recorded is finished on resume, not transferred again', async () => {
    const { text, script } = scriptFor({
      name: 'destroy',
      move: '    wrap: rsa-aes-kwp\n    destroy_source: true\n    approved_by: [Alice Archer, Carol Chen]\n',
    });
    const dir = join(work, 'destroy');
    const room = new Room({ message: /^Destroying "signer" on the ceremony token/, times: 1 });
    await expect(runCeremony({ script, scriptText: text, dir, room })).rejects.toThrow('power cut');
    const source = await openCeremonyToken(dir, room.kept);
    expect(await privateKeys(source)).toHaveLength(1);

    const again = new Room(undefined, room.kept);
    const summary = await runCeremony({ script, scriptText: text, dir, room: again });
    expect(summary.status).toBe('finished');
    const move = ledgerOf(dir).filter((r) => r.step === 'move');
    expect(move.filter((r) => r.type === 'key.migrated')).toHaveLength(1);
    const destroyed = move.find((r) => r.type === 'key.source_destroyed')!.data;
    expect([...(destroyed.approved_by as string[])].sort()).toEqual(['Alice Archer', 'Carol Chen']);
    expect(destroyed).toMatchObject({
      outcome: 'destroyed',
      note: 'destroyed on resume: the interrupted run had proven and recorded the copy',
    });
    expect(await privateKeys(source)).toHaveLength(0);
    const target = await openTarget('destroy');
    expect(await privateKeys(target)).toHaveLength(1);
    expect(await targetSignsForSource(dir, target)).toBe(true);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
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
