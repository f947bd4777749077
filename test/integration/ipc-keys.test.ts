// The Keys screen's channels over the registered IPC contract and a real CeremonyService on
// SoftHSM, on a clock the test moves: the families with versions, states, dates and provenance
// verdicts; what is due; disabling; scheduling a destruction with shares typed into the window
// (a quorum short or a forged share changes nothing, and no share reaches the files); and the
// bundled rotation ceremony rehearsed on a throwaway token.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitSecret, toShareText } from '../../src/main/ceremony/quorum/index';
import { RUN_FORMAT, saveState } from '../../src/main/ceremony/run/state';
import { ErrorCode } from '../../src/shared/errors';
import { ipcHarness } from '../helpers/ipc-harness';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const t = createToken('ipc-keys', '135790');
const work = mkdtempSync(join(tmpdir(), 'olocus-ipc-keys-'));
const pinFile = join(work, 'pin');
writeFileSync(pinFile, t.userPin, { mode: 0o600 });
const q = `module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const tokenUri = `pkcs11:token=${t.label}?${q}`;
const key = (object: string) => `pkcs11:token=${t.label};object=${object}?${q}`;
const inventory = join(work, 'inventory.json');
const ledger = join(work, 'keys.jsonl');

let clock = new Date('2027-01-01T09:00:00.000Z');
const DAY = 86_400_000;
const advance = (days: number) => (clock = new Date(clock.getTime() + days * DAY));
const { service, invoke, refusal, problems } = ipcHarness({
  now: () => clock,
  keyInventory: inventory,
});

afterAll(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});

const tokenObjects = async () =>
  (await service.listKeys(tokenUri)).keys.map((k) => `${k.class}:${k.label}`).sort();

describe('the Keys screen channels', () => {
  it('lists a family with its versions, states, token dates and a provenance verdict per version', async () => {
    await service.generateKey(tokenUri, 'ec-p256', 'root');
    await service.lifecycle.rotate(key('root'), { inventory });
    advance(10);
    await service.lifecycle.rotate(key('root@latest'), { inventory });
    advance(84); // 2027-04-05: v3's rotation falls due 2027-04-11, v2's overlap ended 2027-01-18

    const inv = await invoke('keyInventory', { hsmUri: tokenUri });
    expect(inv.inventory).toBe(inventory);
    expect(inv.now).toBe('2027-04-05T09:00:00.000Z');
    expect(inv.families.map((f) => f.family)).toEqual(['root']);
    const root = inv.families[0]!;
    expect(root.policy).toEqual({
      rotationIntervalDays: 90,
      overlapDays: 7,
      maxVersions: 5,
      notificationAdvanceDays: 7,
    });
    expect(root.versions.map((v) => [v.version, v.label, v.state])).toEqual([
      [1, 'root', 'disabled'],
      [2, 'root@v2', 'enabled'],
      [3, 'root@v3', 'primary'],
    ]);
    const v3 = root.versions[2]!;
    expect(v3.uri).toContain('object=root@v3');
    expect(v3.uri).toContain('pin-source=file:');
    expect(v3.token).toEqual({ start: '2027-01-11', end: '2027-04-18' });
    // Made on the token, never extractable: SoftHSM's attributes say so for every version.
    expect(root.versions.map((v) => v.attestation?.overall)).toEqual(['pass', 'pass', 'pass']);
    expect(inv.due.items.map((d) => [d.label, d.action, d.overdue])).toEqual([
      ['root@v2', 'disable', true],
      ['root@v3', 'rotate', false],
    ]);
    expect(inv.due.overdue).toBe(1);
    expect(problems).toEqual([]);
  });

  it('keysDue looks as far ahead as asked', async () => {
    const near = await invoke('keysDue', { hsmUri: tokenUri, withinDays: 0 });
    expect(near.items.map((d) => d.message)).toEqual([
      'root v2: the end of its overlap (disable it) was due 2027-01-18.',
    ]);
    const far = await invoke('keysDue', { hsmUri: tokenUri, withinDays: 30 });
    expect(far.items).toHaveLength(2);
    expect(far.withinMs).toBe(30 * DAY);
  });

  it('refuses to disable the primary, naming it; the token keeps what it held', async () => {
    const before = await tokenObjects();
    const e = await refusal('disableKeyVersion', { keyUri: key('root@3') });
    expect(e.message).toMatch(/primary/);
    expect(await tokenObjects()).toEqual(before);
  });

  it('disables an enabled version and writes the ledger named', async () => {
    const r = await invoke('disableKeyVersion', { keyUri: key('root@2'), ledger, reason: 'r' });
    expect(r.version).toMatchObject({ version: 2, state: 'disabled' });
    expect(r.ledger?.path).toBe(ledger);
    const types = readFileSync(ledger, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toContain('key.version_disabled');
    const again = await invoke('keyInventory', { hsmUri: tokenUri });
    expect(again.families[0]!.versions[1]!.state).toBe('disabled');
    expect(again.families[0]!.versions[1]!.token?.end).toBe('2027-04-05');
  });
});

describe('scheduling a destruction with typed shares', () => {
  const officers = ['Alice Archer', 'Bob Baker', 'Carol Chen'];
  const runDir = join(work, 'run');
  let shares: { custodian: string; text: string }[] = [];

  it('a share from another split is refused with its officer named; one good share is not a quorum; nothing changes', async () => {
    const { token } = await service.listKeys(tokenUri);
    const split = await splitSecret(new Uint8Array(32).fill(7), {
      ceremonyId: 'ipc-keys-run',
      secretId: 'token-pins',
      threshold: 2,
      custodians: officers,
    });
    await saveState(runDir, {
      format: RUN_FORMAT,
      mode: 'run',
      ceremonyId: 'ipc-keys-run',
      scriptSha256: '0'.repeat(64),
      status: 'finished',
      startedAt: clock.toISOString(),
      token: {
        label: token.label,
        serial: token.serial,
        manufacturer: token.manufacturer,
        model: token.model,
      },
      secrets: {
        'token-pins': {
          threshold: 2,
          total: 3,
          custodians: officers,
          commitments: split.commitments,
          secretCommitment: split.secretCommitment,
        },
      },
      keys: {},
      steps: [],
    });
    shares = split.shares.map((s) => ({ custodian: s.custodian, text: toShareText(s) }));
    const forged = await splitSecret(new Uint8Array(32).fill(9), {
      ceremonyId: 'ipc-keys-run',
      secretId: 'token-pins',
      threshold: 2,
      custodians: officers,
    });
    const before = await tokenObjects();
    const invBefore = readFileSync(inventory, 'utf8');
    const e = await refusal('scheduleKeyDestroy', {
      keyUri: key('root@1'),
      runDir,
      shares: [
        { text: shares[0]!.text, presentedBy: 'Alice Archer' },
        { text: toShareText(forged.shares[1]!), presentedBy: 'Bob Baker' },
      ],
    });
    expect(e.code).toBe(ErrorCode.AUTHENTICATION_FAILED);
    expect(e.message).toMatch(/^1 of 2 shares presented/);
    expect(e.message).toMatch(/Bob Baker/);
    expect(await tokenObjects()).toEqual(before);
    expect(readFileSync(inventory, 'utf8')).toBe(invBefore);
  });

  it('a quorum schedules it; the answer names who approved and no share text is in any file', async () => {
    const r = await invoke('scheduleKeyDestroy', {
      keyUri: key('root@1'),
      runDir,
      shares: shares.slice(1).map((s) => ({ text: s.text, presentedBy: s.custodian })),
      delayDays: 14,
      ledger,
    });
    expect(r.version).toMatchObject({
      version: 1,
      state: 'destroy-scheduled',
      destroyAfter: '2027-04-19T09:00:00.000Z',
    });
    expect(r.approval).toMatchObject({
      approvedBy: ['Bob Baker', 'Carol Chen'],
      ceremonyId: 'ipc-keys-run',
      threshold: 2,
      total: 3,
    });
    expect(JSON.stringify(r)).not.toContain(shares[1]!.text.split('\n')[1]!);
    for (const f of readdirSync(work, { recursive: true, withFileTypes: true }))
      if (f.isFile()) {
        const body = readFileSync(join(f.parentPath, f.name), 'utf8');
        for (const s of shares) expect(body).not.toContain(s.text.split('\n')[1]!);
      }
    const inv = await invoke('keyInventory', { hsmUri: tokenUri });
    expect(inv.families[0]!.versions[0]!.state).toBe('destroy-scheduled');
  });
});

describe('the bundled rotation ceremony', () => {
  it('rehearses on a throwaway token: the quorum logs in and root@v2 becomes the primary', async () => {
    const dir = join(work, 'rehearsal');
    const r = await service.rehearse(resolve('resources/ceremonies/rotate-root.yaml'), dir);
    expect(r.status).toBe('finished');
    const inv = JSON.parse(readFileSync(join(dir, 'keys-inventory.json'), 'utf8')) as {
      families: Record<string, { versions: { label: string; state: string }[] }>;
    };
    expect(inv.families.root!.versions.map((v) => `${v.label}:${v.state}`)).toEqual([
      'root:enabled',
      'root@v2:primary',
    ]);
  });
});
