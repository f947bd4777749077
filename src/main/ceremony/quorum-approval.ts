// M-of-N approval outside a running ceremony (keys schedule-destroy): the officers present their
// token-PIN shares from the ceremony run that made the token; each is checked against the
// commitments that run recorded, and the secret they rebuild against its commitment, exactly as
// in a ceremony step (run/quorum-session.ts). The secret is zeroed at once: only the names of
// the officers who proved their shares leave this module.
import { resolve } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { TOKEN_PINS } from './run/context';
import { collectQuorum } from './run/quorum-session';
import type { CeremonyRoom } from './run/room';
import { loadState } from './run/state';

export interface QuorumApproval {
  approvedBy: string[];
  ceremonyId: string;
  threshold: number;
  total: number;
  refused: { custodian: string | null; reason: string }[];
}

export async function approveWithRunQuorum(
  runDir: string,
  room: CeremonyRoom,
  opts: { purpose: string; tokenSerial?: string },
): Promise<QuorumApproval> {
  const dir = resolve(runDir);
  const state = await loadState(dir);
  if (!state) throw new OlocusError(ErrorCode.INVALID_INPUT, `${dir} holds no ceremony run.`);
  const record = state.secrets[TOKEN_PINS];
  if (!record)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The run in ${dir} split no token shares, so it cannot approve ${opts.purpose}.`,
    );
  if (opts.tokenSerial && state.token && state.token.serial !== opts.tokenSerial)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The run in ${dir} made token serial ${state.token.serial}; its officers cannot approve ${opts.purpose} on token serial ${opts.tokenSerial}. Nothing was changed.`,
    );
  const refused: QuorumApproval['refused'] = [];
  const { secret, custodians } = await collectQuorum(
    room,
    {
      accepted: async () => undefined,
      refused: async (custodian, reason) => {
        refused.push({ custodian, reason });
      },
    },
    { ceremonyId: state.ceremonyId, secretId: TOKEN_PINS, purpose: opts.purpose, record },
  );
  secret.dispose();
  return {
    approvedBy: custodians,
    ceremonyId: state.ceremonyId,
    threshold: record.threshold,
    total: record.total,
    refused,
  };
}
