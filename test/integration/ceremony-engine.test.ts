// The ceremony engine in-process, with a room that misbehaves on purpose: foreign and wrong
// shares, too few officers, and a token that vanishes in the middle of a step.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { splitSecret, toShareText } from '../../src/main/ceremony/quorum/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { runCeremony } from '../helpers/run-ceremony';
import type { IssuedShare, PresentedShare, ShareRequest } from '../../src/main/ceremony/run/room';
import { loadState } from '../../src/main/ceremony/run/state';
import { parseScript } from '../../src/main/ceremony/script/load';
import { ErrorCode } from '../../src/shared/errors';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

const root = useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-engine-'));
const EXAMPLE = readFileSync(
  fileURLToPath(new URL('../../resources/ceremonies/root-ca.yaml', import.meta.url)),
  'utf8',
);

function scriptFor(token: string) {
  const text = EXAMPLE.replace('token=olocus-root-2026', `token=${token}`).replace(
    /module-path=[^'"]+/,
    `module-path=${SOFTHSM_MODULE}`,
  );
  return { text, script: parseScript(text) };
}

/** Plays the officers, but slips in the given bad shares first, once each, for the token PINs. */
class TrickyRoom extends ScriptedRoom {
  constructor(
    private readonly bad: { by: string; text: string }[],
    private readonly limit = Infinity,
  ) {
    super();
  }
  private given = 0;
  override async nextShare(req: ShareRequest): Promise<PresentedShare | null> {
    if (req.secretId === 'token-pins') {
      const trick = this.bad.shift();
      if (trick) return { text: trick.text, presentedBy: trick.by };
      if (this.given >= this.limit) return null;
      this.given++;
    }
    return super.nextShare(req);
  }
}

async function ledgerOf(dir: string) {
  return readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
}

describe('shares that must be refused', () => {
  it('a share from another ceremony and a share from another split are refused naming the officer; the run goes on', async () => {
    const { text, script } = scriptFor('engine-shares');
    const foreign = await splitSecret(new Uint8Array(32).fill(7), {
      ceremonyId: 'other-ceremony',
      secretId: 'token-pins',
      threshold: 3,
      custodians: script.roles.officers,
    });
    const resplit = await splitSecret(new Uint8Array(32).fill(9), {
      ceremonyId: script.ceremony.id,
      secretId: 'token-pins',
      threshold: 3,
      custodians: script.roles.officers,
    });
    const room = new TrickyRoom([
      { by: 'Alice Archer', text: toShareText(foreign.shares[0]!) },
      { by: 'Bob Baker', text: toShareText(resplit.shares[1]!) },
      { by: 'Carol Chen', text: 'OLOCUS-SHARE:J5GF-THIS-IS-NOT-A-SHARE' },
    ]);
    const dir = join(work, 'shares');
    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    const refused = (await ledgerOf(dir))
      .filter((r) => r.type === 'share.refused')
      .map((r) => r.data);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({
      custodian: 'Alice Archer',
      reason: expect.stringMatching(/from ceremony "?other-ceremony"?/),
    });
    expect(refused[1]).toMatchObject({
      custodian: 'Bob Baker',
      reason: expect.stringMatching(/does not match/),
    });
    expect(refused[2]).toMatchObject({ custodian: 'Carol Chen' });
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('too few officers: 102 saying how many more are needed, and the run stays resumable', async () => {
    const { text, script } = scriptFor('engine-few');
    const dir = join(work, 'few');
    const err = await runCeremony({
      script,
      scriptText: text,
      dir,
      room: new TrickyRoom([], 2),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
      message: expect.stringContaining(
        '2 of 3 shares presented for logging in to the ceremony token; 1 more custodian needed',
      ),
    });
    const state = await loadState(dir);
    expect(state?.status).toBe('running');
    expect(state?.steps.map((s) => s.status)).toEqual([
      'done',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
  });
});

describe('an HSM that disappears mid-ceremony', () => {
  it('fails the step with 103, loses nothing recorded, and resumes once the token is back', async () => {
    const { text, script } = scriptFor('engine-gone');
    const dir = join(work, 'gone');
    const store = join(root, 'tokens');
    let moved: string | null = null;
    class VanishingRoom extends ScriptedRoom {
      override async witness(req: { stepId: string; witnesses: string[] }) {
        // Right after the root key exists and is witnessed, the token is pulled.
        if (req.stepId === 'root-key' && !moved) {
          const dirs = readdirSync(store);
          const mine = dirs.find((d) =>
            readFileSync(join(store, d, 'token.object')).includes('engine-gone'),
          );
          moved = join(root, `away-${mine}`);
          renameSync(join(store, mine!), moved);
        }
        return super.witness(req);
      }
    }
    const room = new VanishingRoom();
    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.TOKEN_NOT_FOUND });
    const records = (await ledgerOf(dir)).length;
    renameSync(moved!, join(store, moved!.split('away-')[1]!));
    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    const ledger = await ledgerOf(dir);
    expect(ledger.length).toBeGreaterThan(records);
    expect(
      ledger.filter((r) => r.type === 'key.generated' && r.data.label === 'root-ca-2026'),
    ).toHaveLength(1);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });
});

describe('passphrase-sealed cards', () => {
  it('an officer who sealed a card must give the passphrase; a wrong one is refused naming the officer', async () => {
    const { text, script } = scriptFor('engine-sealed');
    const dir = join(work, 'sealed');
    let wrongOnce = true;
    class ForgetfulRoom extends ScriptedRoom {
      override async nextShare(req: ShareRequest): Promise<PresentedShare | null> {
        const p = await super.nextShare(req);
        if (p && p.presentedBy === 'Alice Archer' && req.secretId === 'token-pins' && wrongOnce) {
          wrongOnce = false;
          return { ...p, passphrase: async () => 'not the right words' };
        }
        return p;
      }
    }
    const room = new ForgetfulRoom({
      passphrases: { 'Alice Archer': 'correct horse battery staple' },
    });
    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    const ledger = await ledgerOf(dir);
    const refused = ledger.filter((r) => r.type === 'share.refused').map((r) => r.data);
    expect(refused[0]).toMatchObject({
      custodian: 'Alice Archer',
      reason: expect.stringContaining("The passphrase for Alice Archer's share is wrong"),
    });
    expect(
      ledger.some((r) => r.type === 'share.accepted' && r.data.custodian === 'Alice Archer'),
    ).toBe(true);
    // The card itself carries only the sealed share.
    const card = execFileSync('pdftotext', [join(dir, 'shares', 'alice-archer.pdf'), '-'], {
      encoding: 'utf8',
    });
    expect(card).toMatch(/passphrase/i);
  });
});

describe('backup and restore across ceremonies', () => {
  it("a key backed up by one ceremony is restored onto a new token from the officers' KEK shares, proven by signature", async () => {
    const first = scriptFor('engine-backup');
    const dir1 = join(work, 'backup-source');
    const kept: IssuedShare[] = [];
    await runCeremony({
      script: first.script,
      scriptText: first.text,
      dir: dir1,
      room: new ScriptedRoom({ keep: async (s) => void kept.push(...s) }),
    });
    const kekShares = kept.filter((s) => s.secretId.startsWith('backup-kek:'));
    expect(kekShares).toHaveLength(5);

    const restoreText = `version: 1
ceremony: { id: restore-2026, name: Restore the root CA key, location: Disaster recovery site }
hsm: { uri: 'pkcs11:token=engine-restore?module-path=${SOFTHSM_MODULE}' }
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen, Dave Diaz, Erin Evans]
  witnesses: [Walter Witness]
quorum: { threshold: 3 }
steps:
  - { id: init, type: token.initialize }
  - { id: restore, type: key.restore, backup: ${dir1}, keys: [root-ca-2026], witness: required }
  - { id: cert, type: certificate.self_signed, key: root-ca-2026, subject: 'CN=Restored Root', validity_days: 30 }
`;
    const script = parseScript(restoreText);
    const dir2 = join(work, 'restored');
    const summary = await runCeremony({
      script,
      scriptText: restoreText,
      dir: dir2,
      room: new ScriptedRoom({ shares: kekShares }),
    });
    expect(summary.status).toBe('finished');
    const original = (await ledgerOf(dir1)).find(
      (r) => r.type === 'key.generated' && r.data.label === 'root-ca-2026',
    )!;
    const restored = (await ledgerOf(dir2)).find((r) => r.type === 'key.restored')!;
    expect(restored.data).toMatchObject({
      label: 'root-ca-2026',
      spki_sha256: original.data.spki_sha256,
      proof: 'signature verified under the backed-up public key',
      from: 'root-ca-2026',
    });
    // Unwrapped keys are truthfully not "generated on this token".
    expect(restored.data.provenance).toMatchObject({
      local: false,
      sensitive: true,
      extractable: false,
    });
    expect(summary.keys.find((k) => k.label === 'root-ca-2026')?.spkiSha256).toBe(
      original.data.spki_sha256,
    );
  });
});

describe('the attest step', () => {
  const scriptText = (backup: boolean) => `version: 1
ceremony: { id: attest-2026, name: Attested key, location: Lab }
hsm: { uri: 'pkcs11:token=engine-attest-${backup ? 'b' : 'a'}?module-path=${SOFTHSM_MODULE}' }
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
  witnesses: [Walter Witness]
quorum: { threshold: 2 }
steps:
  - { id: init, type: token.initialize }
  - { id: key, type: key.generate, key: { label: signer, type: ec-p256 }, policy: { backup: ${backup} } }
  - { id: attest, type: attest, with: { key: signer, require: pass } }
`;

  it('records a passing provenance verdict for a key generated on the token', async () => {
    const text = scriptText(false);
    const dir = join(work, 'attest-pass');
    const summary = await runCeremony({
      script: parseScript(text),
      scriptText: text,
      dir,
      room: new ScriptedRoom(),
    });
    expect(summary.status).toBe('finished');
    const verdict = (await ledgerOf(dir)).find((r) => r.type === 'attestation.verdict')!;
    expect(verdict.data).toMatchObject({ key: 'signer', overall: 'pass' });
    expect(
      JSON.parse(readFileSync(join(dir, 'attestations', 'signer.json'), 'utf8')),
    ).toMatchObject({ overall: 'pass' });
  });

  it('stops the ceremony when the script requires a pass and the key may leave the HSM', async () => {
    const text = scriptText(true);
    const err = await runCeremony({
      script: parseScript(text),
      scriptText: text,
      dir: join(work, 'attest-fail'),
      room: new ScriptedRoom(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining('the script requires pass'),
    });
  });
});
