// Collecting a quorum in the room: every share is checked against the commitment recorded at
// the split the moment it is presented, and a bad one is refused naming its custodian — before
// anything is tried on the HSM, so a bad share can never lock a PIN.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { checkShare, combineShares, decodeShare, QuorumError, wipeShares } from '../quorum/index';
import type { ShareEnvelope } from '../quorum/index';
import type { Secret } from '../../../shared/secret';
import type { CeremonyRoom } from './room';
import type { SecretRecord } from './state';

export interface QuorumOutcome {
  /** The caller's, disposed when done (in a finally). */
  secret: Secret;
  custodians: string[];
}

export interface QuorumLog {
  accepted(custodian: string, commitment: string): Promise<void>;
  refused(custodian: string | null, reason: string): Promise<void>;
}

/**
 * Asks the room for shares until `record.threshold` valid ones are in, then reconstructs the
 * secret and checks it against the secret commitment. The caller disposes the secret.
 */
export async function collectQuorum(
  room: CeremonyRoom,
  log: QuorumLog,
  expected: { ceremonyId: string; secretId: string; purpose: string; record: SecretRecord },
): Promise<QuorumOutcome> {
  const { record } = expected;
  const accepted: ShareEnvelope[] = [];
  let refused: string | undefined;
  try {
    while (accepted.length < record.threshold) {
      const presented = await room.nextShare({
        secretId: expected.secretId,
        purpose: expected.purpose,
        custodians: record.custodians,
        presented: accepted.map((e) => e.custodian),
        need: record.threshold,
        ...(refused ? { refused } : {}),
      });
      if (!presented) {
        throw new OlocusError(
          ErrorCode.AUTHENTICATION_FAILED,
          `${accepted.length} of ${record.threshold} shares presented for ${expected.purpose}; ${record.threshold - accepted.length} more custodian${record.threshold - accepted.length === 1 ? '' : 's'} needed.`,
        );
      }
      const by = presented.presentedBy;
      try {
        const envelope = await decodeShare(presented.text, presented.passphrase);
        try {
          if (by && envelope.custodian.trim().toLowerCase() !== by.trim().toLowerCase()) {
            throw new QuorumError(
              by,
              `The share ${by} presented is ${envelope.custodian}'s; every officer presents their own card.`,
            );
          }
          if (accepted.some((e) => e.custodian === envelope.custodian)) {
            throw new QuorumError(
              envelope.custodian,
              `${envelope.custodian}'s share was already presented in this session.`,
            );
          }
          checkShare(envelope, {
            ceremonyId: expected.ceremonyId,
            secretId: expected.secretId,
            commitments: record.commitments,
          });
        } catch (e) {
          envelope.share.dispose(); // refused: no one keeps it
          throw e;
        }
        accepted.push(envelope);
        refused = undefined;
        await log.accepted(envelope.custodian, record.commitments[envelope.custodian]!);
      } catch (e) {
        if (!(e instanceof OlocusError)) throw e;
        const who = (e instanceof QuorumError ? e.custodian : undefined) ?? by ?? null;
        // Name the officer even when the share was too damaged to say whose it is.
        refused =
          who && !e.message.includes(who) ? `${who}'s share was refused: ${e.message}` : e.message;
        await log.refused(who, refused);
      }
    }
    const secret = await combineShares(accepted, { secretCommitment: record.secretCommitment });
    return { secret, custodians: accepted.map((e) => e.custodian) };
  } finally {
    wipeShares(accepted);
  }
}
