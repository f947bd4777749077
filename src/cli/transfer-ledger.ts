// --ledger FILE and --actor NAME for the commands that move a key outside a ceremony (migrate,
// gcp import, byok export|import, azure migrate): the transfer's events go into a hash-chained
// ledger (src/main/transfer/standalone-ledger.ts), and the operator is told what vouches for it.
import { userInfo } from 'node:os';
import { UsageError } from './errors';
import type { CommandContext, FlagSpec } from './spec';
import { optionalString } from './spec';
import type { TransferAudit } from '../main/transfer/types';
import {
  TransferLedger,
  type TransferLedgerSummary,
  type TransferSubject,
} from '../main/transfer/standalone-ledger';

export const LEDGER_FLAGS: Record<string, FlagSpec> = {
  ledger: {
    type: 'string',
    value: 'FILE',
    help: "append this transfer's events to a hash-chained ledger (created if absent; an existing one must verify)",
  },
  actor: {
    type: 'string',
    value: 'NAME',
    help: 'who the ledger names as acting (default: the operating-system user)',
  },
};

/** A key address as the ledger may show it: a pkcs11 URI loses its query (pin-source, pin-value…). */
export function publicAddress(uri: string): string {
  return uri.startsWith('pkcs11:') ? uri.split('?')[0]! : uri;
}

/** The object=… of a pkcs11 URI, or the last path segment of a cloud address. */
export function labelOf(uri: string): string {
  const object = /[:;]object=([^;?]*)/.exec(uri)?.[1];
  if (object !== undefined) {
    try {
      return decodeURIComponent(object);
    } catch {
      return object;
    }
  }
  return publicAddress(uri).split('/').pop() ?? '';
}

/**
 * Runs the transfer with the ledger's sink when --ledger is given. A refused or failed transfer
 * still leaves its event; a ledger that does not verify is refused before anything is touched.
 */
export async function withTransferLedger<T>(
  ctx: CommandContext,
  command: string,
  subject: TransferSubject,
  transfer: (audit: TransferAudit | undefined) => Promise<T>,
): Promise<{ result: T; ledger: TransferLedgerSummary | null }> {
  const path = optionalString(ctx, 'ledger');
  const actorFlag = optionalString(ctx, 'actor');
  if (!path) {
    if (actorFlag !== undefined)
      throw new UsageError('--actor names who the ledger records; it needs --ledger FILE.');
    const result = await transfer(undefined);
    // After the transfer only: a refusal stays the one sentence it is.
    if (!ctx.out.json)
      ctx.out.note('No ledger was written for this transfer (give --ledger FILE to record it).');
    return { result, ledger: null };
  }
  const actor = actorFlag ?? userInfo().username;
  if (actor.trim() === '') throw new UsageError('--actor needs a name.');
  const ledger = await TransferLedger.open(path, { actor, command });
  let summary: TransferLedgerSummary | null = null;
  try {
    const result = await transfer(ledger.audit);
    summary = await ledger.close();
    return { result, ledger: summary };
  } catch (e) {
    await ledger.recordIfSilent(subject, e).catch(() => undefined);
    summary = await ledger.close();
    throw e;
  } finally {
    if (summary) tellLedger(ctx, summary);
  }
}

function tellLedger(ctx: CommandContext, s: TransferLedgerSummary): void {
  ctx.out.note(
    `Ledger: ${s.appended} event${s.appended === 1 ? '' : 's'} ${s.created ? 'written to the new ledger' : 'appended to'} ${s.path} (${s.records} records, head ${s.head}).`,
  );
  ctx.out.note(
    'No HSM audit key signs the head of a ledger written outside a ceremony: verify-audit checks its hash chain only, so keep the head above somewhere else.',
  );
}
