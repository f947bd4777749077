import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/shared/secret';
import { drillShares, splitSecret } from '../../src/main/ceremony/quorum/index';
import type { ShareEnvelope, SplitResult } from '../../src/main/ceremony/quorum/index';
import { CEREMONY, OFFICERS, kekBytes, split3of5 } from '../fixtures/quorum/split';

const drill = (split: SplitResult, shares: ShareEnvelope[] = split.shares, threshold = 3) =>
  drillShares(shares, {
    commitments: split.commitments,
    secretCommitment: split.secretCommitment,
    threshold,
  });

function alter(e: ShareEnvelope): ShareEnvelope {
  const share = e.share.copy();
  share[5] = (share[5] ?? 0) ^ 0x20;
  return { ...e, share: Secret.adopt(share) };
}

const failures = (report: Awaited<ReturnType<typeof drillShares>>) =>
  report.custodians.filter((c) => !c.ok).map((c) => c.custodian);

describe('drillShares', () => {
  it('passes good shares, and every share takes part in a reconstruction', async () => {
    const split = await split3of5();
    const report = await drill(split);
    expect(report.ok).toBe(true);
    expect(report.recoverable).toBe(true);
    expect(report.custodians).toEqual(OFFICERS.map((custodian) => ({ custodian, ok: true })));
    expect(report.reconstructions.every((r) => r.ok)).toBe(true);
    expect(new Set(report.reconstructions.flatMap((r) => r.custodians))).toEqual(new Set(OFFICERS));
    expect(report.reconstructions.every((r) => r.custodians.length === 3)).toBe(true);
    expect(report.verdict).toContain('All 5 shares of "backup-kek-2026" are good');
  });

  it('passes a 2-of-2 split', async () => {
    const split = await splitSecret(kekBytes(), {
      ceremonyId: CEREMONY,
      secretId: 'token-pin',
      threshold: 2,
      custodians: ['Alice', 'Bob'],
    });
    const report = await drill(split, split.shares, 2);
    expect(report.ok).toBe(true);
    expect(report.reconstructions).toEqual([{ custodians: ['Alice', 'Bob'], ok: true }]);
  });

  it('names the custodian whose share was altered, and says the quorum still stands', async () => {
    const split = await split3of5();
    const shares = split.shares.map((s) => (s.custodian === 'Dave Diaz' ? alter(s) : s));
    const report = await drill(split, shares);
    expect(report.ok).toBe(false);
    expect(report.recoverable).toBe(true);
    expect(failures(report)).toEqual(['Dave Diaz']);
    expect(report.custodians.find((c) => c.custodian === 'Dave Diaz')?.reason).toBe(
      "Dave Diaz's share does not match what was recorded for Dave Diaz at the split: a wrong or altered share.",
    );
    expect(report.reconstructions.flatMap((r) => r.custodians)).not.toContain('Dave Diaz');
    expect(report.verdict).toContain('1 of 5 shares failed the drill (Dave Diaz)');
    expect(report.verdict).toContain('can still be reconstructed from the 4 good shares');
  });

  it('reports a share that was not presented and one from another ceremony', async () => {
    const split = await split3of5();
    const other = await split3of5(kekBytes(), 'sub-ca-2027');
    const shares = [...split.shares.slice(0, 3), other.shares[3]!];
    const report = await drill(split, shares);
    expect(failures(report)).toEqual(['Dave Diaz', 'Erin Evans']);
    const reasons = Object.fromEntries(report.custodians.map((c) => [c.custodian, c.reason]));
    expect(reasons['Dave Diaz']).toContain('is from ceremony "sub-ca-2027", not "root-ca-2026"');
    expect(reasons['Erin Evans']).toBe("Erin Evans's share was not presented.");
    expect(report.recoverable).toBe(true);
  });

  it('with fewer than M good shares: not recoverable, and says why', async () => {
    const split = await split3of5();
    const report = await drill(split, split.shares.slice(0, 2));
    expect(report.recoverable).toBe(false);
    expect(report.reconstructions).toEqual([]);
    expect(report.custodians[0]?.reason).toContain(
      'only 2 good shares were presented and 3 are needed',
    );
    expect(report.verdict).toContain('could NOT be reconstructed');
  });

  it('a secret commitment from another split fails every reconstruction', async () => {
    const split = await split3of5();
    const other = await split3of5(kekBytes().reverse());
    const report = await drillShares(split.shares, {
      commitments: split.commitments,
      secretCommitment: other.secretCommitment,
      threshold: 3,
    });
    expect(report.recoverable).toBe(false);
    expect(failures(report)).toEqual(OFFICERS);
    expect(report.custodians[0]?.reason).toContain(
      'never reconstructed the secret recorded at the split',
    );
  });

  it('flags a share presented twice', async () => {
    const split = await split3of5();
    const report = await drill(split, [...split.shares, split.shares[0]!]);
    expect(report.ok).toBe(false);
    expect(report.custodians.filter((c) => c.custodian === 'Alice Archer')).toEqual([
      { custodian: 'Alice Archer', ok: true },
      { custodian: 'Alice Archer', ok: false, reason: "Alice Archer's share was presented twice." },
    ]);
  });
});
