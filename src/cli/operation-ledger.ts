// --ledger FILE and --actor NAME for `sign` and `keys generate` outside a ceremony: the
// operation's outcome (done, or refused/failed with the reason) is appended to a hash-chained
// ledger, the same kind `migrate --ledger` writes (src/main/transfer/standalone-ledger.ts).
// An existing ledger must verify before the HSM is touched.
import { userInfo } from 'node:os';
import { OlocusError } from '../shared/errors';
import type { LedgerEventType } from '../main/audit/events';
import { TransferLog } from '../main/transfer/events';
import { TransferLedger } from '../main/transfer/standalone-ledger';
import { UsageError } from './errors';
import type { CommandContext, FlagSpec } from './spec';
import { optionalString } from './spec';

export const OPERATION_LEDGER_FLAGS: Record<string, FlagSpec> = {
  ledger: {
    type: 'string',
    value: 'FILE',
    help: 'append this operation to a hash-chained ledger (created if absent; an existing one must verify)',
  },
  actor: {
    type: 'string',
    value: 'NAME',
    help: 'who the ledger names as acting (default: the operating-system user)',
  },
};

export interface LedgerEvent {
  type: LedgerEventType;
  data: Record<string, unknown>;
}

/** What a failure event says of the error: its code and sentence, never more. */
export function failureFields(e: unknown): Record<string, unknown> {
  return {
    outcome: 'failed',
    code: e instanceof OlocusError ? e.code : null,
    reason: e instanceof Error ? e.message : String(e),
  };
}

/**
 * Runs `operation`; with --ledger, appends `done(result)` or, when it throws, `failed(error)`,
 * and tells the operator where the record went and what vouches for it.
 */
export async function withOperationLedger<T>(
  ctx: CommandContext,
  command: string,
  operation: () => Promise<T>,
  events: { done: (r: T) => LedgerEvent; failed: (e: unknown) => LedgerEvent },
): Promise<T> {
  const path = optionalString(ctx, 'ledger');
  const actorFlag = optionalString(ctx, 'actor');
  if (!path) {
    if (actorFlag !== undefined)
      throw new UsageError('--actor names who the ledger records; it needs --ledger FILE.');
    return operation();
  }
  const actor = actorFlag ?? userInfo().username;
  if (actor.trim() === '') throw new UsageError('--actor needs a name.');
  const ledger = await TransferLedger.open(path, {
    actor,
    command,
    purpose: { text: 'key operations outside a ceremony', idPrefix: 'operations' },
  });
  const log = new TransferLog(ledger.audit);
  let result: T;
  try {
    result = await operation();
  } catch (e) {
    const ev = events.failed(e);
    await log.event(ev.type, ev.data).catch(() => undefined);
    tell(ctx, await ledger.close());
    throw e;
  }
  const ev = events.done(result);
  try {
    await log.event(ev.type, ev.data);
  } finally {
    tell(ctx, await ledger.close());
  }
  return result;
}

function tell(ctx: CommandContext, s: Awaited<ReturnType<TransferLedger['close']>>): void {
  ctx.out.note(
    `Ledger: ${s.appended} event${s.appended === 1 ? '' : 's'} ${s.created ? 'written to the new ledger' : 'appended to'} ${s.path} (${s.records} records, head ${s.head}).`,
  );
  ctx.out.note(
    'No HSM audit key signs the head of a ledger written outside a ceremony: verify-audit checks its hash chain only, so keep the head above somewhere else.',
  );
}
