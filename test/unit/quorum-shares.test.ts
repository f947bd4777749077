import { describe, expect, it } from 'vitest';
import {
  QuorumError,
  checkShare,
  combineShares,
  shareCommitment,
  splitSecret,
  wipeShares,
} from '../../src/main/ceremony/quorum/index';
import type { ShareEnvelope } from '../../src/main/ceremony/quorum/index';
import { ErrorCode } from '../../src/shared/errors';
import { Secret } from '../../src/shared/secret';
import {
  CEREMONY,
  KEK,
  OFFICERS,
  kekBytes,
  rejection,
  split3of5,
  thrown,
} from '../fixtures/quorum/split';

/** A copy of the envelope's share with one byte altered. */
function flipped(e: ShareEnvelope, i: number, mask: number): Secret {
  const bytes = e.share.copy();
  bytes[i] = (bytes[i] ?? 0) ^ mask;
  return Secret.adopt(bytes);
}

const at = <T>(list: readonly T[], i: number): T => {
  const v = list[i];
  if (v === undefined) throw new Error(`no element ${i}`);
  return v;
};

describe('splitSecret / combineShares', () => {
  it('3-of-5: every 3 shares reconstruct the secret, in any order', async () => {
    const { shares, commitments, secretCommitment } = await split3of5();
    expect(shares.map((s) => [s.custodian, s.index, s.threshold, s.total])).toEqual(
      OFFICERS.map((name, i) => [name, i + 1, 3, 5]),
    );
    expect(Object.keys(commitments)).toEqual(OFFICERS);
    expect(secretCommitment.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(secretCommitment.digest).toMatch(/^[0-9a-f]{64}$/);
    for (const pick of [
      [0, 1, 2],
      [4, 2, 0],
      [1, 3, 4],
      [3, 4, 0, 1, 2],
    ]) {
      const secret = await combineShares(
        pick.map((i) => at(shares, i)),
        { secretCommitment, commitments },
      );
      expect(secret).toEqual(Secret.adopt(kekBytes()));
      secret.dispose();
    }
  });

  it('2-of-2 with a PIN passed as a Buffer', async () => {
    const pin = Buffer.from('48213377-a9', 'utf8');
    const { shares, secretCommitment } = await splitSecret(pin, {
      ceremonyId: CEREMONY,
      secretId: 'token-pin',
      threshold: 2,
      custodians: ['Alice', 'Bob'],
    });
    const secret = await combineShares(shares, { secretCommitment });
    expect(secret.unsafeText()).toBe('48213377-a9');
  });

  it('envelopes compare by their share bytes, so an altered share is not equal', async () => {
    const { shares } = await split3of5();
    const bob = at(shares, 1);
    expect({ ...bob, share: Secret.adopt(bob.share.copy()) }).toEqual(bob);
    expect({ ...bob, share: flipped(bob, 0, 1) }).not.toEqual(bob);
  });

  it('records share commitments that the envelopes reproduce', async () => {
    const { shares, commitments } = await split3of5();
    for (const s of shares) expect(shareCommitment(s)).toBe(commitments[s.custodian]);
  });

  it('does not zero the caller’s secret, and the shares do not alias it', async () => {
    const secret = kekBytes();
    const { shares } = await split3of5(secret);
    expect(secret).toEqual(kekBytes());
    const views = shares.map((s) => s.share.use((b) => b)); // held only to look after the wipe
    for (const v of views) expect(v.buffer).not.toBe(secret.buffer);
    wipeShares(shares);
    expect(views.every((v) => v.every((b) => b === 0))).toBe(true);
    expect(shares.every((s) => s.share.disposed)).toBe(true);
  });
});

describe('splitSecret refuses a split nobody could use', () => {
  const split = (threshold: number, custodians: string[]) =>
    splitSecret(kekBytes(), { ceremonyId: CEREMONY, secretId: KEK, threshold, custodians });

  it.each([
    [4, ['A', 'B', 'C'], 'M (4) is larger than N (3)'],
    [1, ['A', 'B', 'C'], 'M (1) must be at least 2'],
    [2, ['A'], 'at least 2 custodians; 1 listed'],
    [2.5, ['A', 'B', 'C'], 'M must be a whole number'],
    [2, ['Alice', 'Bob', 'alice'], 'custodian "Alice" is listed twice (as "Alice" and "alice")'],
    [2, ['Alice', 'Bob', ' ALICE '], 'custodian "Alice" is listed twice'],
    [2, ['Alice', '  ', 'Bob'], 'custodian 2 has an empty name'],
  ])('M=%s of %j: %s', async (m, custodians, message) => {
    const e = await rejection(split(m, custodians));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toContain(message);
  });

  it('N above 255', async () => {
    const many = Array.from({ length: 256 }, (_, i) => `officer ${i}`);
    expect((await rejection(split(2, many))).message).toContain('N (256) is more than 255');
  });

  it('an empty secret, without echoing anything of it', async () => {
    const e = await rejection(
      splitSecret(new Uint8Array(0), {
        ceremonyId: CEREMONY,
        secretId: KEK,
        threshold: 2,
        custodians: ['A', 'B'],
      }),
    );
    expect(e.message).toContain('the secret is empty');
  });
});

describe('checkShare names the custodian and the problem', () => {
  const expected = (commitments: Record<string, string>) => ({
    ceremonyId: CEREMONY,
    secretId: KEK,
    commitments,
  });

  it('accepts the right share', async () => {
    const { shares, commitments } = await split3of5();
    for (const s of shares) checkShare(s, { ...expected(commitments), threshold: 3 });
  });

  it('a wrong share: Alice brings her share of another split of the same secret', async () => {
    const first = await split3of5();
    const second = await split3of5();
    const e = thrown(() => checkShare(at(second.shares, 0), expected(first.commitments)));
    expect(e.custodian).toBe('Alice Archer');
    expect(e.message).toBe(
      "Alice Archer's share does not match what was recorded for Alice Archer at the split: a wrong or altered share.",
    );
  });

  it('an altered share (one byte flipped)', async () => {
    const { shares, commitments } = await split3of5();
    const bob = at(shares, 1);
    const altered: ShareEnvelope = { ...bob, share: flipped(bob, 3, 0x01) };
    expect(thrown(() => checkShare(altered, expected(commitments))).message).toContain(
      'does not match what was recorded for Bob Baker at the split',
    );
  });

  it('a share from another ceremony', async () => {
    const { commitments } = await split3of5();
    const other = await split3of5(kekBytes(), 'sub-ca-2027');
    const e = thrown(() => checkShare(at(other.shares, 2), expected(commitments)));
    expect(e.custodian).toBe('Carol Chen');
    expect(e.message).toBe(`Carol Chen's share is from ceremony "sub-ca-2027", not "${CEREMONY}".`);
  });

  it('a share for another secret of the same ceremony', async () => {
    const { commitments } = await split3of5();
    const pin = await splitSecret(kekBytes(), {
      ceremonyId: CEREMONY,
      secretId: 'token-pin',
      threshold: 3,
      custodians: OFFICERS,
    });
    expect(thrown(() => checkShare(at(pin.shares, 0), expected(commitments))).message).toContain(
      `is for the secret "token-pin", not "${KEK}"`,
    );
  });

  it('an unknown custodian', async () => {
    const { shares, commitments } = await split3of5();
    const e = thrown(() =>
      checkShare({ ...at(shares, 0), custodian: 'Mallory' }, expected(commitments)),
    );
    expect(e.custodian).toBe('Mallory');
    expect(e.message).toContain('"Mallory" is not a custodian of');
  });

  it('a position that does not belong to the custodian', async () => {
    const { shares, commitments } = await split3of5();
    expect(
      thrown(() => checkShare({ ...at(shares, 0), index: 4 }, expected(commitments))).message,
    ).toBe(
      "Alice Archer's share carries position 4, but Alice Archer was custodian 1 at the split.",
    );
  });

  it('a relabelled share (Dave presents Bob’s card as his)', async () => {
    const { shares, commitments } = await split3of5();
    const e = thrown(() =>
      checkShare({ ...at(shares, 1), custodian: 'Dave Diaz', index: 4 }, expected(commitments)),
    );
    expect(e.message).toContain("The share labelled Dave Diaz is Bob Baker's share (position 2)");
  });

  it('a different quorum than the ledger recorded', async () => {
    const { shares, commitments } = await split3of5();
    const e = thrown(() => checkShare(at(shares, 0), { ...expected(commitments), threshold: 2 }));
    expect(e.message).toContain('says any 3 reconstruct, but the split recorded 2');
  });
});

describe('combineShares', () => {
  it('too few shares: says how many more custodians are needed', async () => {
    const { shares, secretCommitment } = await split3of5();
    const e = await rejection(combineShares(shares.slice(0, 2), { secretCommitment }));
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.message).toBe('2 of 3 shares presented; 1 more custodian needed.');
    const one = await rejection(combineShares(shares.slice(0, 1), { secretCommitment }));
    expect(one.message).toBe('1 of 3 shares presented; 2 more custodians needed.');
  });

  it('the same share twice does not count twice', async () => {
    const { shares, secretCommitment } = await split3of5();
    const e = await rejection(
      combineShares([at(shares, 0), at(shares, 1), at(shares, 0)], { secretCommitment }),
    );
    expect(e.message).toBe("Alice Archer's share was presented twice.");
  });

  it('an altered share among M: the reconstruction is refused, and named when commitments are given', async () => {
    const { shares, commitments, secretCommitment } = await split3of5();
    const carol = at(shares, 2);
    const altered = { ...carol, share: flipped(carol, 0, 0x80) };
    const three = [at(shares, 0), at(shares, 1), altered];
    const blind = await rejection(combineShares(three, { secretCommitment }));
    expect(blind.message).toContain(
      'do not reconstruct the secret "backup-kek-2026" recorded at the split',
    );
    const named = await rejection(combineShares(three, { secretCommitment, commitments }));
    expect(named.custodian).toBe('Carol Chen');
  });

  it('shares of two ceremonies are not mixed', async () => {
    const { shares, secretCommitment } = await split3of5();
    const other = await split3of5(kekBytes(), 'sub-ca-2027');
    const e = await rejection(
      combineShares([at(shares, 0), at(shares, 1), at(other.shares, 2)], { secretCommitment }),
    );
    expect(e).toBeInstanceOf(QuorumError);
    expect(e.custodian).toBe('Carol Chen');
    expect(e.message).toContain('is from ceremony "sub-ca-2027"');
  });

  it('the secret commitment of another secret is refused', async () => {
    const { shares } = await split3of5();
    const other = await split3of5(kekBytes().reverse());
    const e = await rejection(
      combineShares(shares.slice(0, 3), { secretCommitment: other.secretCommitment }),
    );
    expect(e.message).toContain('do not reconstruct');
  });

  it('no error message contains share or secret bytes', async () => {
    const { shares, secretCommitment } = await split3of5();
    const e = await rejection(combineShares(shares.slice(0, 2), { secretCommitment }));
    const json = JSON.stringify(e.toJSON()) + e.message;
    for (const s of shares) {
      expect(json).not.toContain(Buffer.from(s.share.copy()).toString('hex'));
      expect(json).not.toContain(Buffer.from(s.share.copy()).toString('base64'));
    }
  });
});
