// Splitting a secret among custodians and putting it back together. Shamir itself is
// shamir-secret-sharing's (audited); this module adds what a ceremony needs around it: named
// custodians, ledger commitments, and errors that say whose share is wrong and why.
//
// Buffer ownership: splitSecret does NOT zero the caller's secret (the caller may still need it,
// e.g. to log in with the PIN it just split); it works on a copy a Secret owns. The shares of
// envelopes returned by splitSecret are Secrets the caller disposes (wipeShares) when done.
import { split } from 'shamir-secret-sharing';
import { ErrorCode } from '../../../shared/errors';
import { Secret } from '../../../shared/secret';
import { checkShare, checkWellFormed } from './check';
import { makeSecretCommitment, shareCommitment, verifySecretCommitment } from './commitments';
import { QuorumError } from './errors';
import { interpolate, xCoordinate } from './reconstruct';
import type { SecretCommitment, ShareEnvelope, SplitOptions, SplitResult } from './types';
import { validateSplit } from './validate';

export { checkShare } from './check';

export async function splitSecret(secret: Uint8Array, options: SplitOptions): Promise<SplitResult> {
  validateSplit(secret, options);
  const { ceremonyId, secretId, threshold, custodians } = options;
  const total = custodians.length;

  // The library rejects Buffers, and the caller's array must not be shared with it anyway.
  const own = Secret.adopt(Uint8Array.from(secret));
  let shares: ShareEnvelope[] = [];
  try {
    // Each raw share is adopted (copied and zeroed) the moment the library returns it.
    const raw = (await own.use((b) => split(b, total, threshold))).map((r) => Secret.adopt(r));
    shares = raw.map((share, i): ShareEnvelope => ({
      version: 1,
      ceremonyId,
      secretId,
      custodian: custodians[i] ?? '',
      index: i + 1,
      threshold,
      total,
      share,
    }));
    const secretCommitment = await own.use((b) =>
      makeSecretCommitment(b, { ceremonyId, secretId }),
    );
    const commitments: Record<string, string> = {};
    for (const s of shares) commitments[s.custodian] = shareCommitment(s);
    const result = { shares, commitments, secretCommitment };
    shares = [];
    return result;
  } finally {
    own.dispose();
    wipeShares(shares); // only if something failed after the split
  }
}

/** Disposes the shares of envelopes the caller owns (zeroing their bytes). */
export function wipeShares(envelopes: readonly ShareEnvelope[]): void {
  for (const e of envelopes) e.share.dispose();
}

export interface CombineOptions {
  secretCommitment: SecretCommitment;
  /** The ledger's share commitments: when given, each share is checked and a bad one named. */
  commitments?: Readonly<Record<string, string>>;
  /** Default: those of the first share presented. */
  ceremonyId?: string;
  secretId?: string;
}

function fail(message: string, custodian?: string, code: ErrorCode = ErrorCode.INVALID_INPUT) {
  return new QuorumError(custodian, message, { code });
}

/** The same-secret checks that need no ledger: every share must belong with the first one. */
function checkSet(envelopes: readonly ShareEnvelope[], ceremonyId: string, secretId: string): void {
  const first = envelopes[0];
  if (!first) throw fail('No shares were presented.', undefined, ErrorCode.POLICY_VIOLATION);
  const byName = new Map<string, ShareEnvelope>();
  const byIndex = new Map<number, ShareEnvelope>();
  const byX = new Map<number, ShareEnvelope>();
  for (const e of envelopes) {
    checkWellFormed(e);
    const who = e.custodian;
    if (e.ceremonyId !== ceremonyId) {
      throw fail(`${who}'s share is from ceremony "${e.ceremonyId}", not "${ceremonyId}".`, who);
    }
    if (e.secretId !== secretId) {
      throw fail(`${who}'s share is for the secret "${e.secretId}", not "${secretId}".`, who);
    }
    if (e.protected) {
      throw fail(`${who}'s share is still protected by ${who}'s passphrase; unlock it first.`, who);
    }
    if (e.threshold !== first.threshold || e.total !== first.total) {
      throw fail(
        `${who}'s share says any ${e.threshold} of ${e.total} reconstruct, but ${first.custodian}'s says ${first.threshold} of ${first.total}: they are not from the same split.`,
        who,
      );
    }
    if (e.share.length !== first.share.length) {
      throw fail(
        `${who}'s share is not the same length as ${first.custodian}'s: they are not shares of the same secret.`,
        who,
      );
    }
    if (byName.has(who)) throw fail(`${who}'s share was presented twice.`, who);
    const sameIndex = byIndex.get(e.index);
    if (sameIndex) {
      throw fail(
        `${sameIndex.custodian} and ${who} both present share ${e.index}: one of them is mislabelled.`,
        who,
      );
    }
    const sameX = byX.get(xCoordinate(e));
    if (sameX) {
      throw fail(
        `${sameX.custodian}'s and ${who}'s shares are the same point: one is a copy, not a share of its own.`,
        who,
      );
    }
    byName.set(who, e);
    byIndex.set(e.index, e);
    byX.set(xCoordinate(e), e);
  }
}

/**
 * Reconstructs the secret from M or more shares and proves it is the secret that was split.
 * The result belongs to the caller, who disposes it. The envelopes stay the caller's.
 */
export async function combineShares(
  envelopes: readonly ShareEnvelope[],
  options: CombineOptions,
): Promise<Secret> {
  const first = envelopes[0];
  const ceremonyId = options.ceremonyId ?? first?.ceremonyId ?? '';
  const secretId = options.secretId ?? first?.secretId ?? '';
  checkSet(envelopes, ceremonyId, secretId);
  const m = first?.threshold ?? 0;
  if (options.commitments) {
    for (const e of envelopes) {
      checkShare(e, { ceremonyId, secretId, commitments: options.commitments, threshold: m });
    }
  }
  if (envelopes.length < m) {
    const missing = m - envelopes.length;
    throw fail(
      `${envelopes.length} of ${m} shares presented; ${missing} more custodian${missing === 1 ? '' : 's'} needed.`,
      undefined,
      ErrorCode.POLICY_VIOLATION,
    );
  }

  const secret = await interpolate(envelopes);
  let matches = false;
  try {
    matches = await secret.use((b) =>
      verifySecretCommitment(b, options.secretCommitment, { ceremonyId, secretId }),
    );
  } finally {
    if (!matches) secret.dispose();
  }
  if (!matches) {
    const names = envelopes.map((e) => e.custodian).join(', ');
    throw fail(
      `The shares of ${names} do not reconstruct the secret "${secretId}" recorded at the split: at least one of them is wrong or altered. Check each share against the ledger (or run a share drill) to find which.`,
    );
  }
  return secret;
}
