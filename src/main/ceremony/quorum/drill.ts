// A share drill: proves, without touching an HSM, that the quorum still works. Every share is
// checked against the commitment the ledger recorded for it, and every good share takes part in
// at least one reconstruction that matches the secret commitment: windows of M shares rotate
// through all N, so a share that only ever sat in a drawer is exercised too.
import { timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../../shared/secret';
import { checkShare } from './check';
import { verifySecretCommitment } from './commitments';
import { QuorumError, invalidInput } from './errors';
import { interpolate } from './reconstruct';
import type { SecretCommitment, ShareEnvelope } from './types';

export interface DrillOptions {
  commitments: Readonly<Record<string, string>>;
  secretCommitment: SecretCommitment;
  threshold: number;
  /** Default: the ceremony and secret most of the presented shares name. */
  ceremonyId?: string;
  secretId?: string;
}

export interface CustodianDrillResult {
  custodian: string;
  ok: boolean;
  /** Why not, in words for the custodian; never share bytes. */
  reason?: string;
}

export interface DrillReport {
  /** Every recorded custodian presented a good share and each took part in a good reconstruction. */
  ok: boolean;
  /** At least M good shares reconstructed the secret: the quorum can still act. */
  recoverable: boolean;
  custodians: CustodianDrillResult[];
  /** Each reconstruction tried, by custodian names, and whether it matched the secret commitment. */
  reconstructions: { custodians: string[]; ok: boolean }[];
  verdict: string;
}

function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0] ?? '';
  for (const [v, c] of counts) if (c > (counts.get(best) ?? 0)) best = v;
  return best;
}

export async function drillShares(
  envelopes: readonly ShareEnvelope[],
  options: DrillOptions,
): Promise<DrillReport> {
  const { commitments, secretCommitment, threshold: m } = options;
  const recorded = Object.keys(commitments);
  if (!Number.isInteger(m) || m < 2 || m > recorded.length) {
    throw invalidInput(
      `A drill needs 2 ≤ M ≤ N; got M = ${String(m)} with ${recorded.length} recorded custodians.`,
    );
  }
  const ceremonyId = options.ceremonyId ?? mostCommon(envelopes.map((e) => e.ceremonyId));
  const secretId = options.secretId ?? mostCommon(envelopes.map((e) => e.secretId));
  const label = { ceremonyId, secretId };

  const results = new Map<string, CustodianDrillResult>();
  const duplicates: CustodianDrillResult[] = [];
  const good: ShareEnvelope[] = [];
  for (const e of envelopes) {
    const who = String(e.custodian);
    if (results.has(who)) {
      duplicates.push({ custodian: who, ok: false, reason: `${who}'s share was presented twice.` });
      continue;
    }
    try {
      checkShare(e, { ceremonyId, secretId, commitments, threshold: m });
      good.push(e);
      results.set(who, { custodian: who, ok: false }); // until it takes part in a reconstruction
    } catch (err) {
      if (!(err instanceof QuorumError)) throw err;
      results.set(who, { custodian: who, ok: false, reason: err.message });
    }
  }
  for (const who of recorded) {
    if (!results.has(who))
      results.set(who, { custodian: who, ok: false, reason: `${who}'s share was not presented.` });
  }
  good.sort((a, b) => a.index - b.index);

  const reconstructions: DrillReport['reconstructions'] = [];
  const proven = new Set<ShareEnvelope>();
  let known: Secret | undefined; // the secret, once a reconstruction has matched the ledger
  const attempt = async (window: ShareEnvelope[]): Promise<void> => {
    let secret: Secret | undefined = await interpolate(window);
    try {
      const s = secret;
      // Once one reconstruction has matched the commitment, comparing bytes proves the rest
      // without paying for scrypt again.
      const ok = known
        ? known.use((k) => s.use((b) => k.length === b.length && timingSafeEqual(k, b)))
        : await s.use((b) => verifySecretCommitment(b, secretCommitment, label));
      if (ok && !known) [known, secret] = [s, undefined]; // kept, not copied
      if (ok) for (const e of window) proven.add(e);
      reconstructions.push({ custodians: window.map((e) => e.custodian), ok });
    } finally {
      secret?.dispose();
    }
  };

  try {
    if (good.length >= m) {
      // ceil(n/M) windows, wrapping around, cover every good share at least once.
      for (let start = 0; start < good.length; start += m) {
        await attempt(Array.from({ length: m }, (_, j) => good[(start + j) % good.length]!));
      }
      // A share left unproven is retried with M-1 proven ones, which isolates it as the cause.
      for (const e of good.filter((g) => !proven.has(g))) {
        const helpers = good.filter((g) => proven.has(g)).slice(0, m - 1);
        if (helpers.length === m - 1) await attempt([...helpers, e]);
      }
    }
  } finally {
    known?.dispose();
  }

  for (const e of good) {
    const r = results.get(e.custodian)!;
    if (proven.has(e)) {
      r.ok = true;
    } else if (good.length < m) {
      r.reason = `${e.custodian}'s share matches its commitment, but only ${good.length} good share${good.length === 1 ? ' was' : 's were'} presented and ${m} are needed to prove a reconstruction.`;
    } else {
      r.reason = `${e.custodian}'s share matches its commitment but never reconstructed the secret recorded at the split; the secret commitment may not belong to this split.`;
    }
  }
  // In split order; shares for names the ledger does not know come last.
  const order = (name: string) =>
    recorded.includes(name) ? recorded.indexOf(name) : recorded.length;
  const custodians = [...results.values(), ...duplicates].sort(
    (a, b) => order(a.custodian) - order(b.custodian),
  );
  const failed = custodians.filter((r) => !r.ok);
  const ok = failed.length === 0;
  const recoverable = proven.size >= m;
  const verdict = ok
    ? `All ${recorded.length} shares of "${secretId}" are good: each matches the ledger and took part in a reconstruction of the secret (any ${m} of ${recorded.length}).`
    : `${failed.length} of ${custodians.length} shares failed the drill (${failed.map((r) => r.custodian).join(', ')}). ` +
      (recoverable
        ? `The secret can still be reconstructed from the ${proven.size} good shares (${m} needed); consider re-splitting it.`
        : `Fewer than ${m} shares are proven good: the secret could NOT be reconstructed from these shares.`);
  return { ok, recoverable, custodians, reconstructions, verdict };
}
