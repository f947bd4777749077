// A key family on a real SoftHSM token through the CeremonyService, on a clock the test moves:
// create → rotate → overlap → disable → schedule destruction (quorum of a ceremony run's shares)
// → destroy, with the token's labels, ids, dates and usage flags, the signed inventory and the
// ledger checked at each step; and each refusal leaves the token holding exactly what it held.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { splitSecret, toShareText } from '../../src/main/ceremony/quorum/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { RUN_FORMAT, saveState } from '../../src/main/ceremony/run/state';
import { versionId } from '../../src/main/lifecycle/index';
import { CeremonyService } from '../../src/main/service/index';
import { ErrorCode } from '../../src/shared/errors';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const t = createToken('lifecycle-svc', '246810');
const work = mkdtempSync(join(tmpdir(), 'olocus-lifecycle-svc-'));
const pinFile = join(work, 'pin');
writeFileSync(pinFile, t.userPin, { mode: 0o600 });
const q = `module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const tokenUri = `pkcs11:token=${t.label}?${q}`;
const key = (object: string) => `pkcs11:token=${t.label};object=${object}?${q}`;
const inventory = join(work, 'inventory.json');
const ledger = join(work, 'keys.jsonl');

let clock = new Date('2027-01-01T12:00:00.000Z');
const DAY = 86_400_000;
const advance = (days: number) => (clock = new Date(clock.getTime() + days * DAY));
const service = new CeremonyService({ now: () => clock, keyInventory: inventory });
const rec = { inventory, ledger, actor: 'Key Custodian' };

afterAll(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});

const tokenObjects = async () =>
  (await service.listKeys(tokenUri)).keys
    .map(
      (k) =>
        `${k.class}:${k.label}:${k.id}:${k.usage.sign ? 'S' : '-'}${k.usage.decrypt ? 'D' : '-'}`,
    )
    .sort();
const ledgerTypes = () =>
  readFileSync(ledger, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { type: string }).type);
const refusal = async (p: Promise<unknown>) => {
  const e = (await p.then(
    () => null,
    (err: unknown) => err,
  )) as { code: number; message: string } | null;
  expect(e, 'expected a refusal').not.toBeNull();
  return e!;
};

describe('a signing family: root', () => {
  it('rotating a plain key adopts it as version 1 and makes root@v2 with the same type, id convention and dates', async () => {
    await service.generateKey(tokenUri, 'ec-p256', 'root');
    const r = await service.lifecycle.rotate(key('root'), { ...rec, reason: 'first rotation' });
    expect(r.rotated).toBe(true);
    expect(r.previous?.label).toBe('root');
    expect(r.previous?.state).toBe('enabled');
    expect(r.primary).toMatchObject({
      version: 2,
      label: 'root@v2',
      type: 'ec-p256',
      state: 'primary',
    });
    expect(r.primary.id).toBe(Buffer.from(versionId('root', 2)).toString('hex'));
    expect(r.uri).toContain('object=root@v2');
    const v = await service.lifecycle.versions(key('root@latest'), { inventory });
    expect(v.versions.map((x) => [x.version, x.state])).toEqual([
      [1, 'enabled'],
      [2, 'primary'],
    ]);
    // 90d interval + 7d overlap after 2027-01-01; the old version's end is the overlap's end.
    expect(v.versions[1]!.token).toEqual({ start: '2027-01-01', end: '2027-04-08' });
    expect(v.versions[0]!.token?.end).toBe('2027-01-08');
    expect(ledgerTypes()).toEqual(['ledger.opened', 'key.rotated']);
    expect((await verifyLedger(ledger)).firstBad ?? null).toBeNull();
  });

  it('the inventory is signed by the token: a hand edit is refused and the token is untouched', async () => {
    const before = await tokenObjects();
    const text = readFileSync(inventory, 'utf8');
    writeFileSync(inventory, text.replace('"state": "enabled"', '"state": "primary"'));
    const e = await refusal(service.lifecycle.rotate(key('root@latest'), rec));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toMatch(/does not verify with "olocus-inventory".*changed outside Olocus/);
    expect(await tokenObjects()).toEqual(before);
    writeFileSync(inventory, text);
  });

  it('sign and verify take family addresses: root@latest signs with v2, root@1 still verifies, root@1 cannot sign', async () => {
    const data = Buffer.from('statement');
    const s = await service.sign(key('root@latest'), data);
    const sig = Buffer.from(s.signature, 'base64');
    expect((await service.verify(key('root@latest'), data, sig)).valid).toBe(true);
    expect((await service.verify(key('root@v2'), data, sig)).valid).toBe(true);
    expect((await service.verify(key('root@1'), data, sig)).valid).toBe(false);
    const old = await service.sign(key('root'), data);
    expect(
      (await service.verify(key('root@1'), data, Buffer.from(old.signature, 'base64'))).valid,
    ).toBe(true);
    const e = await refusal(service.sign(key('root@1'), data));
    expect(e.message).toBe(
      'version 1 ("root") of "root" is enabled, not the primary; only the primary signs (root@latest).',
    );
  });

  it('rotating a version that is not the primary is refused; the token keeps exactly what it held', async () => {
    const before = await tokenObjects();
    const e = await refusal(service.lifecycle.rotate(key('root@1'), rec));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toBe(
      'version 1 ("root") of "root" is enabled, not the primary (the primary is version 2, "root@v2"); only the primary is rotated. Address it as root@latest. Nothing was changed.',
    );
    expect(await tokenObjects()).toEqual(before);
    expect(ledgerTypes().at(-1)).toBe('key.rotation_refused');
  });

  it('two rotations at once: one makes v3, the other is refused and makes nothing', async () => {
    const results = await Promise.allSettled([
      service.lifecycle.rotate(key('root@latest'), { inventory, actor: 'a' }),
      service.lifecycle.rotate(key('root@latest'), { inventory, actor: 'b' }),
    ]);
    const done = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(String((refused[0] as PromiseRejectedResult).reason.message)).toMatch(
      /^Another change is under way on this token's key inventory \(rotating "root".*nothing was made/,
    );
    const labels = (await tokenObjects())
      .filter((o) => o.startsWith('private:'))
      .map((o) => o.split(':')[1]);
    expect(labels).toEqual(['olocus-inventory', 'root', 'root@v2', 'root@v3']);
  });

  it('after the overlap, keys due says v2 must be disabled (overdue); disabling marks the token', async () => {
    advance(10);
    const due = await service.lifecycle.due(tokenUri, { inventory });
    expect(due.items.filter((i) => i.overdue).map((i) => `${i.action} v${i.version}`)).toEqual([
      'disable v1',
      'disable v2',
    ]);
    const d = await service.lifecycle.disable(key('root@2'), rec);
    expect(d.version.state).toBe('disabled');
    const objs = await tokenObjects();
    expect(objs.find((o) => o.startsWith('private:root@v2:'))).toMatch(/:--$/);
    const v = await service.lifecycle.versions(key('root'), { inventory });
    expect(v.versions[1]!.token?.end).toBe('2027-01-11');
    expect(ledgerTypes().at(-1)).toBe('key.version_disabled');
  });

  it('the primary and a family of one cannot be disabled or destroyed', async () => {
    const before = await tokenObjects();
    const e = await refusal(service.lifecycle.disable(key('root@latest'), rec));
    expect(e.message).toMatch(/^version 3 \("root@v3"\) is the primary of "root"; rotate first/);
    await service.generateKey(tokenUri, 'ec-p256', 'solo');
    const after = await tokenObjects();
    const only = await refusal(service.lifecycle.disable(key('solo'), rec));
    expect(only.message).toBe(
      'version 1 ("solo") is the only enabled version of "solo": disabling it would leave nothing to decrypt or verify with. Nothing was changed.',
    );
    expect(await tokenObjects()).toEqual(after);
    expect(after.filter((o) => !o.includes(':solo:'))).toEqual(before);
  });
});

describe('destruction under quorum', () => {
  const officers = ['Alice Archer', 'Bob Baker', 'Carol Chen'];
  const runDir = join(work, 'run');
  let shares: { custodian: string; text: string; secretId: string }[] = [];

  it('a ceremony run with a 2-of-3 split approves scheduling; destroy waits for the delay', async () => {
    const { token } = await service.listKeys(tokenUri);
    const split = await splitSecret(new Uint8Array(32).fill(5), {
      ceremonyId: 'lifecycle-test-run',
      secretId: 'token-pins',
      threshold: 2,
      custodians: officers,
    });
    await saveState(runDir, {
      format: RUN_FORMAT,
      mode: 'run',
      ceremonyId: 'lifecycle-test-run',
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
    shares = split.shares.map((s) => ({
      custodian: s.custodian,
      text: toShareText(s),
      secretId: 'token-pins',
    }));
    const room = new ScriptedRoom({ shares: shares.map((s) => ({ ...s, card: '' })) });
    const r = await service.lifecycle.scheduleDestroy(key('root@2'), runDir, room, {
      ...rec,
      delayMs: 30 * DAY,
    });
    expect(r.approval.approvedBy).toEqual(['Alice Archer', 'Bob Baker']);
    expect(r.version.state).toBe('destroy-scheduled');
    const early = await refusal(service.lifecycle.destroy(key('root@2'), rec));
    expect(early.message).toMatch(/may be destroyed from 2027-02-10T12:00:00.000Z, not before/);
    advance(31);
    const before = (await tokenObjects()).length;
    const d = await service.lifecycle.destroy(key('root@2'), rec);
    expect(d.version.state).toBe('destroyed');
    expect((await tokenObjects()).length).toBe(before - 2);
    expect(ledgerTypes().slice(-2)).toEqual(['key.destroy_scheduled', 'key.version_destroyed']);
    expect((await verifyLedger(ledger)).firstBad ?? null).toBeNull();
  });

  it('too few shares approve nothing and change nothing', async () => {
    const before = await tokenObjects();
    const room = new ScriptedRoom({ shares: shares.slice(0, 1).map((s) => ({ ...s, card: '' })) });
    const e = await refusal(service.lifecycle.scheduleDestroy(key('root@1'), runDir, room, rec));
    expect(e.code).toBe(ErrorCode.AUTHENTICATION_FAILED);
    expect(e.message).toMatch(/^1 of 2 shares presented/);
    expect(await tokenObjects()).toEqual(before);
  });
});

describe('encrypt and decrypt across versions: data (AES-256-GCM)', () => {
  it('encrypts by the primary only and decrypts by any enabled version', async () => {
    await service.generateKey(tokenUri, 'aes-256', 'data');
    const c1 = await service.lifecycle.encrypt(key('data'), Buffer.from('v1 secret'), {
      inventory,
    });
    expect(c1).toMatchObject({ family: 'data', version: 1, alg: 'aes-gcm' });
    await service.lifecycle.rotate(key('data@latest'), rec);
    const c2 = await service.lifecycle.encrypt(key('data@latest'), Buffer.from('v2 secret'), {
      inventory,
    });
    expect(c2.version).toBe(2);
    const old = await refusal(
      service.lifecycle.encrypt(key('data@1'), Buffer.from('x'), { inventory }),
    );
    expect(old.message).toMatch(
      /^version 1 \("data"\) of "data" is enabled, not the primary; only the primary encrypts/,
    );
    const p1 = await service.lifecycle.decrypt(key('data'), c1, { inventory });
    expect(Buffer.from(p1.plaintext).toString()).toBe('v1 secret');
    const p2 = await service.lifecycle.decrypt(tokenUri, c2, { inventory });
    expect(Buffer.from(p2.plaintext).toString()).toBe('v2 secret');
  });
});
