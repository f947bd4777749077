// What the quorum layer zeroes, observed at the one boundary we can watch: the Shamir library.
import type * as Shamir from 'shamir-secret-sharing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { combineShares, drillShares } from '../../src/main/ceremony/quorum/index';
import { Secret } from '../../src/shared/secret';
import { kekBytes, rejection, split3of5 } from '../fixtures/quorum/split';

const seen = vi.hoisted(() => ({
  splitInputs: [] as Uint8Array[],
  splitOutputs: [] as Uint8Array[][],
  combineInputs: [] as Uint8Array[][],
  combineOutputs: [] as Uint8Array[],
}));

vi.mock('shamir-secret-sharing', async (importOriginal) => {
  const real = await importOriginal<typeof Shamir>();
  return {
    split: async (secret: Uint8Array, n: number, m: number) => {
      seen.splitInputs.push(secret);
      const out = await real.split(secret, n, m);
      seen.splitOutputs.push(out);
      return out;
    },
    combine: async (shares: Uint8Array[]) => {
      seen.combineInputs.push(shares);
      const out = await real.combine(shares);
      seen.combineOutputs.push(out);
      return out;
    },
  };
});

const zero = (a: Uint8Array) => a.every((b) => b === 0);

beforeEach(() => {
  seen.splitInputs.length = 0;
  seen.splitOutputs.length = 0;
  seen.combineInputs.length = 0;
  seen.combineOutputs.length = 0;
});

describe('zeroing', () => {
  it('split: the caller keeps their secret (callers zero it); our copy is zeroed', async () => {
    const secret = kekBytes();
    await split3of5(secret);
    expect(secret).toEqual(kekBytes()); // documented: splitSecret does not zero the caller's buffer
    expect(seen.splitInputs).toHaveLength(1);
    expect(seen.splitInputs[0]).not.toBe(secret);
    expect(zero(seen.splitInputs[0]!)).toBe(true);
  });

  it('split: the library’s shares are zeroed once the envelopes’ Secrets hold them', async () => {
    const { shares } = await split3of5();
    expect(seen.splitOutputs[0]!.every(zero)).toBe(true);
    expect(shares.some((s) => s.share.use(zero))).toBe(false);
  });

  it('combine: the share copies and the library’s result are zeroed; the caller gets a Secret', async () => {
    const { shares, secretCommitment } = await split3of5();
    const secret = await combineShares(shares.slice(0, 3), { secretCommitment });
    expect(secret).toBeInstanceOf(Secret);
    expect(seen.combineInputs[0]!.every(zero)).toBe(true);
    // The caller's envelopes are untouched.
    expect(shares.slice(0, 3).some((s) => s.share.disposed || s.share.use(zero))).toBe(false);
    expect(zero(seen.combineOutputs[0]!)).toBe(true);
    expect(secret.copy()).toEqual(kekBytes());
    secret.dispose();
    expect(secret.disposed).toBe(true);
  });

  it('combine: a reconstruction that fails the secret commitment is zeroed before the error', async () => {
    const { shares } = await split3of5();
    const other = await split3of5(kekBytes().reverse());
    await rejection(
      combineShares(shares.slice(0, 3), { secretCommitment: other.secretCommitment }),
    );
    expect(zero(seen.combineOutputs[0]!)).toBe(true);
  });

  it('drill: every reconstructed secret and every share copy is zeroed', async () => {
    const split = await split3of5();
    const report = await drillShares(split.shares, {
      commitments: split.commitments,
      secretCommitment: split.secretCommitment,
      threshold: 3,
    });
    expect(report.ok).toBe(true);
    expect(seen.combineOutputs.length).toBe(2);
    expect(seen.combineOutputs.every(zero)).toBe(true);
    expect(seen.combineInputs.flat().every(zero)).toBe(true);
  });
});
