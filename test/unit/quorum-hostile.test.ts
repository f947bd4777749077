// Hostile share input in the room: a QR payload that decodes to 10 MB, and shares that look
// valid but belong to another ceremony or another split. Each is refused with a sentence naming
// what is wrong, quickly, and the quorum still forms from the real cards afterwards.
import { describe, expect, it } from 'vitest';
import {
  MAX_SHARE_TEXT,
  QR_PREFIX,
  fromQrPayload,
  parseShareText,
  toQrPayload,
  toShareText,
} from '../../src/main/ceremony/quorum/index';
import { collectQuorum } from '../../src/main/ceremony/run/quorum-session';
import type { CeremonyRoom, PresentedShare } from '../../src/main/ceremony/run/room';
import { CEREMONY, KEK, OFFICERS, kekBytes, split3of5, thrown } from '../fixtures/quorum/split';

describe('share text and QR payloads of hostile size', () => {
  it('refuses a 10 MB QR payload before decoding it, in bounded time', () => {
    const huge = QR_PREFIX + 'A'.repeat(10 * 1024 * 1024);
    const t = Date.now();
    const e = thrown(() => fromQrPayload(huge));
    expect(e.message).toMatch(/more than any share card holds .*it is not a share/);
    expect(thrown(() => parseShareText(huge)).message).toMatch(/not a share/);
    expect(thrown(() => parseShareText('ABCD-'.repeat(2_000_000))).message).toMatch(/not a share/);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('still reads the largest real card', async () => {
    const big = new Uint8Array(512).fill(7);
    const { shares } = await split3of5(big);
    const text = toShareText(shares[0]!);
    expect(text.length).toBeLessThan(MAX_SHARE_TEXT);
    expect(parseShareText(text).share).toEqual(shares[0]!.share);
  });
});

describe('shares of another ceremony or another split, presented in the room', () => {
  it('are refused naming why; the real cards then form the quorum', async () => {
    const real = await split3of5();
    const otherCeremony = await split3of5(kekBytes(), 'root-ca-2027');
    // Same ceremony id, same custodians, same secret id: a second split, as a forger would make.
    const resplit = await split3of5();
    const queue: PresentedShare[] = [
      { text: QR_PREFIX + 'A'.repeat(10 * 1024 * 1024), presentedBy: OFFICERS[0] },
      { text: toQrPayload(otherCeremony.shares[0]!), presentedBy: OFFICERS[0] },
      { text: toShareText(resplit.shares[1]!), presentedBy: OFFICERS[1] },
      ...[0, 1, 2].map((i) => ({ text: toQrPayload(real.shares[i]!), presentedBy: OFFICERS[i] })),
    ];
    const refusals: string[] = [];
    const room: CeremonyRoom = {
      nextShare: () => Promise.resolve(queue.shift() ?? null),
      witness: () => Promise.resolve(null),
      sharesIssued: () => Promise.resolve(),
      announce: () => undefined,
    };
    const out = await collectQuorum(
      room,
      {
        accepted: () => Promise.resolve(),
        refused: (_who, reason) => {
          refusals.push(reason);
          return Promise.resolve();
        },
      },
      {
        ceremonyId: CEREMONY,
        secretId: KEK,
        purpose: 'the backup KEK',
        record: {
          threshold: 3,
          total: 5,
          custodians: OFFICERS,
          commitments: real.commitments,
          secretCommitment: real.secretCommitment,
        },
      },
    );
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatch(/Alice Archer's share was refused: .*not a share/);
    expect(refusals[1]).toMatch(/from ceremony "root-ca-2027", not "root-ca-2026"/);
    expect(refusals[2]).toMatch(
      /Bob Baker's share does not match what was recorded .*wrong or altered/,
    );
    expect(out.custodians).toEqual(OFFICERS.slice(0, 3));
    expect(out.secret.copy()).toEqual(kekBytes());
    out.secret.dispose();
  });
});
