// Checks one presented share against what the ledger recorded at the split, and when it does
// not match, works out WHY in terms the custodian can act on: wrong ceremony, wrong secret,
// relabelled, or simply not the share that was handed out.
import { Secret } from '../../../shared/secret';
import { commitmentsEqual, isCommitmentHex, shareCommitment } from './commitments';
import { QuorumError } from './errors';
import type { ShareEnvelope, ShareExpectation } from './types';

function fail(custodian: string, message: string): QuorumError {
  return new QuorumError(custodian, message);
}

/** The (custodian, position) this share was really issued to, if the ledger knows it. */
function identify(
  envelope: ShareEnvelope,
  commitments: Readonly<Record<string, string>>,
): { custodian: string; index: number } | undefined {
  for (const [custodian, recorded] of Object.entries(commitments)) {
    for (let index = 1; index <= envelope.total; index++) {
      if (commitmentsEqual(shareCommitment({ ...envelope, custodian, index }), recorded)) {
        return { custodian, index };
      }
    }
  }
  return undefined;
}

/** Fields every envelope must have before any comparison means anything. */
export function checkWellFormed(envelope: ShareEnvelope): void {
  const who = typeof envelope.custodian === 'string' ? envelope.custodian : '(unnamed)';
  if (envelope.version !== 1) {
    throw fail(
      who,
      `${who}'s share has format version ${String(envelope.version)}, which this version of Olocus Ceremony cannot read.`,
    );
  }
  const { index, threshold: m, total: n } = envelope;
  const whole = [index, m, n].every((v) => Number.isInteger(v));
  if (!whole || n < 2 || n > 255 || m < 2 || m > n || index < 1 || index > n) {
    throw fail(
      who,
      `${who}'s share claims an impossible position or quorum (share ${String(index)} of ${String(n)}, any ${String(m)}): it is damaged or not an Olocus share.`,
    );
  }
  const share: unknown = envelope.share;
  if (!(share instanceof Secret) || share.disposed || share.length < 2) {
    throw fail(who, `${who}'s share holds no share bytes.`);
  }
}

/**
 * Throws a QuorumError naming the custodian unless the envelope is exactly the share recorded
 * for its custodian in this ceremony and secret. A protected share must be unlocked first:
 * the commitment covers the share itself, not its sealed form.
 */
export function checkShare(envelope: ShareEnvelope, expected: ShareExpectation): void {
  checkWellFormed(envelope);
  const who = envelope.custodian;
  const { ceremonyId, secretId, commitments } = expected;

  if (envelope.ceremonyId !== ceremonyId) {
    throw fail(
      who,
      `${who}'s share is from ceremony "${envelope.ceremonyId}", not "${ceremonyId}".`,
    );
  }
  if (envelope.secretId !== secretId) {
    throw fail(who, `${who}'s share is for the secret "${envelope.secretId}", not "${secretId}".`);
  }
  const recorded = Object.hasOwn(commitments, who) ? commitments[who] : undefined;
  if (recorded === undefined) {
    const listed = Object.keys(commitments).join(', ');
    throw fail(
      who,
      `"${who}" is not a custodian of "${secretId}" in ceremony "${ceremonyId}"; the split recorded: ${listed}.`,
    );
  }
  if (!isCommitmentHex(recorded)) {
    throw fail(
      who,
      `The commitment recorded for ${who} is not a SHA-256 digest in hex; the ledger entry is damaged.`,
    );
  }
  if (envelope.protected) {
    throw fail(who, `${who}'s share is still protected by ${who}'s passphrase; unlock it first.`);
  }
  const n = Object.keys(commitments).length;
  if (envelope.total !== n) {
    throw fail(
      who,
      `${who}'s share says there are ${envelope.total} custodians, but the split recorded ${n}.`,
    );
  }
  if (expected.threshold !== undefined && envelope.threshold !== expected.threshold) {
    throw fail(
      who,
      `${who}'s share says any ${envelope.threshold} reconstruct, but the split recorded ${expected.threshold}.`,
    );
  }
  if (commitmentsEqual(shareCommitment(envelope), recorded)) return;

  const real = identify(envelope, commitments);
  if (real?.custodian === who) {
    throw fail(
      who,
      `${who}'s share carries position ${envelope.index}, but ${who} was custodian ${real.index} at the split.`,
    );
  }
  if (real) {
    throw fail(
      who,
      `The share labelled ${who} is ${real.custodian}'s share (position ${real.index}): it was relabelled or handed to the wrong custodian.`,
    );
  }
  throw fail(
    who,
    `${who}'s share does not match what was recorded for ${who} at the split: a wrong or altered share.`,
  );
}
