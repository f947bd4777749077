// An HSM group of real SoftHSM tokens: three hold the same key (loaded from the same known
// material), one holds a different key under the same label, one holds none. Opening proves the
// key equal on every member and refuses the others by name; signing spreads over the members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmGroup } from '../../src/main/cluster';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { verifyWithSpki } from '../../src/main/hsm/software-verify';
import { ErrorCode } from '../../src/shared/errors';
import { groupTokens, openMember } from '../helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const g = groupTokens(['grp-a', 'grp-b', 'grp-c', 'grp-other', 'grp-empty']);
const [a, b, c, other, empty] = g.uris as [string, string, string, string, string];
let anchor: Pkcs11Provider;
const groups: HsmGroup[] = [];

beforeAll(async () => {
  // Initialises the library in this process before the raw client creates the keys.
  anchor = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: 'grp-a' } });
  const key = makeKeyPair('ec-p256');
  for (const t of ['grp-a', 'grp-b', 'grp-c']) importKeyPair(t, '314159', 'root-2026', key);
  importKeyPair('grp-other', '314159', 'root-2026', makeKeyPair('ec-p256'));
});
afterAll(async () => {
  for (const grp of groups) await grp.close();
  await anchor.close();
});

const open = async (
  members: string[],
  extra: Partial<Parameters<typeof HsmGroup.open>[0]> = {},
) => {
  const grp = await HsmGroup.open({
    name: 'signers',
    members,
    keyLabel: 'root-2026',
    open: openMember,
    ...extra,
  });
  groups.push(grp);
  return grp;
};

describe('opening a group', () => {
  it('three members with the same key open as one signer; round-robin shares the work evenly and every signature verifies with the one public key', async () => {
    const grp = await open([a, b, c]);
    expect(grp.fingerprint.kind).toBe('spki-sha256');
    expect(grp.report().map((m) => [m.name, m.role, m.state])).toEqual([
      ['grp-a', 'primary', 'healthy'],
      ['grp-b', 'backup', 'healthy'],
      ['grp-c', 'backup', 'healthy'],
    ]);
    for (let i = 0; i < 30; i++) {
      const data = Buffer.from(`doc ${i}`);
      const r = await grp.sign(data);
      expect(verifyWithSpki(grp.fingerprint.spki!, r.algorithm, data, r.signature)).toBe(true);
    }
    expect(grp.report().map((m) => [m.signed, m.share])).toEqual([
      [10, 1 / 3],
      [10, 1 / 3],
      [10, 1 / 3],
    ]);
  });

  it('a member holding a different key under the label is refused by name (106), and nothing opens', async () => {
    const err = await open([a, b, other]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.POLICY_VIOLATION });
    expect((err as Error).message).toMatch(
      /^Member grp-other of group signers holds a different key "root-2026" \(spki-sha256 [0-9a-f]{64}, the primary's is spki-sha256 [0-9a-f]{64}\); the group refuses it\.$/,
    );
  });

  it('a member without the key is refused by name (101)', async () => {
    const err = await open([a, empty]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.KEY_NOT_FOUND });
    expect((err as Error).message).toContain(
      'Member grp-empty holds no private or secret key labelled "root-2026"',
    );
  });

  it('a threshold of 0 is refused before any member is opened', async () => {
    const err = await open([a, b], { threshold: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect((err as Error).message).toBe(
      'The failover threshold of group signers must be a whole number of at least 1 (it is 0).',
    );
  });

  it('a cloud member is declared but refused for signing, by name', async () => {
    const err = await open([a, 'azurekv://vault1.vault.azure.net/keys/root-2026']).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect((err as Error).message).toContain(
      'is a cloud key; groups sign through PKCS#11 members only',
    );
  });
});

describe('load balancing', () => {
  it('least-busy spreads concurrent requests over every member; primary-only keeps them on the primary', async () => {
    const lb = await open([a, b, c], { strategy: 'least-busy' });
    await Promise.all(Array.from({ length: 60 }, (_, i) => lb.sign(Buffer.from(`lb ${i}`))));
    const shares = lb.report().map((m) => m.signed);
    expect(shares.reduce((x, y) => x + y, 0)).toBe(60);
    for (const s of shares) expect(s).toBeGreaterThan(0);
    const po = await open([b, a], { strategy: 'primary-only' });
    for (let i = 0; i < 5; i++) await po.sign(Buffer.from(`po ${i}`));
    expect(po.report().map((m) => [m.name, m.signed])).toEqual([
      ['grp-b', 5],
      ['grp-a', 0],
    ]);
  });
});
