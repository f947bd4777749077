// The `transfer` step: a ceremony key moves to a named target HSM by wrapped export/import
// (src/main/transfer), is proven there, and only then, with the named approvers' shares, may be
// destroyed on the ceremony token. The ledger holds the outcome the moment the copy is proven;
// a resumed run reads it back and never moves a key twice.
import { randomBytes } from 'node:crypto';
import { Secret } from '../../../shared/secret';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { TokenProvider } from '../../hsm/provider';
import type { KeySelector } from '../../hsm/types';
import { dropSharedKek, importSharedKek, migrateKey } from '../../transfer/index';
import type { MigrateOptions, TransferAudit } from '../../transfer/index';
import type { TransferStep } from '../script/schema';
import type { RunContext } from './context';
import { TOKEN_PINS } from './context';
import { collectQuorum } from './quorum-session';
import type { KeyRecord, StepState } from './state';
import { recordedTransfer } from './transfer-record';
import type { RecordedTransfer } from './transfer-record';
import { transferResults, transferStatement } from './transfer-results';
import { openTarget } from './transfer-target';
import type { OpenedTarget } from './transfer-target';

export const transferLabel = (step: TransferStep) =>
  typeof step.key === 'string' ? step.key : step.key.label;

export async function transferKey(
  ctx: RunContext,
  step: TransferStep,
  st: StepState,
): Promise<string> {
  const label = transferLabel(step);
  await ctx.ensureQuorum(step);
  const source = await ctx.provider();
  const recorded = await recordedTransfer(ctx, step.id);
  if (recorded.migrated) return recover(ctx, step, st, source, recorded);
  const rec = ctx.state.keys[label];
  if (!rec)
    throw new OlocusError(
      ErrorCode.KEY_NOT_FOUND,
      `Step "${step.id}" transfers "${label}", which this ceremony has not made.`,
    );
  const say = (message: string, kind: 'progress' | 'refused' | 'warning' = 'progress') =>
    ctx.room.announce({ stepId: step.id, kind, message });
  say(`Opening target "${step.to}" for "${label}".`);
  const target = await openTarget(ctx, step.to, step.id);
  try {
    await refuseHalfMadeCopy(ctx, step, target, rec, recorded);
    const approvedBy = step.destroy_source ? await approveDestroy(ctx, step, label) : null;
    const kek = await prepareKek(ctx, step, source, target.provider);
    let migrated: Record<string, unknown> | null = null;
    const audit: TransferAudit = {
      event: async (type, data) => {
        // Said in the room before it is recorded: this is the point an interruption can hit
        // between the unwrap and the record (see refuseHalfMadeCopy).
        if (type === 'key.migrated')
          say(`The copy of "${label}" on target "${step.to}" is proven; recording it.`);
        await ctx.event(step.id, type, data);
        if (type === 'transfer.started')
          say(
            `Moving "${label}" to ${String(data.target_token)} with ${step.wrap}${data.transport ? ' (RSA transport key made on the target)' : ''}.`,
          );
        else if (type === 'key.migrated') {
          migrated = data;
          if (approvedBy)
            say(
              `Destroying "${label}" on the ceremony token, as ${approvedBy.join(', ')} approved.`,
            );
        } else if (type === 'key.migration_refused' || type === 'key.migration_failed')
          say(String(data.reason), 'refused');
        else if (type === 'key.source_destroyed')
          say(`"${label}" was destroyed on the ceremony token, as approved.`);
        else if (type === 'transfer.finished' && data.outcome === 'verified')
          say(`The transfer of "${label}" is recorded in the ledger.`);
      },
    };
    st.status = 'started';
    await ctx.save();
    const options: MigrateOptions = {
      wrap: step.wrap,
      audit,
      ...(kek ? { kek: kek.selectors } : {}),
      ...(approvedBy ? { destroySource: { approvedBy } } : {}),
    };
    const sel: KeySelector = {
      label,
      id: Buffer.from(rec.id, 'hex'),
      class: rec.class === 'secret' ? 'secret' : 'private',
    };
    try {
      await migrateKey(source, target.provider, sel, options);
    } finally {
      await kek?.drop();
    }
    if (approvedBy) delete ctx.state.keys[label];
    const done = await recordedTransfer(ctx, step.id);
    st.results = transferResults(step, migrated!, done.destroyed ? approvedBy : null);
    await ctx.save();
    return transferStatement(step, migrated!, approvedBy !== null);
  } finally {
    await target.provider.close();
  }
}

/**
 * A transfer that began (its start is in the ledger) but whose proven copy is not recorded left
 * the run between the unwrap and the record: a key under this label on the target may be that
 * copy. It is neither trusted nor made again; the room is told what to do.
 */
async function refuseHalfMadeCopy(
  ctx: RunContext,
  step: TransferStep,
  target: OpenedTarget,
  rec: KeyRecord,
  recorded: RecordedTransfer,
): Promise<void> {
  if (!recorded.started) return;
  const label = transferLabel(step);
  // The private key and its public half are made together; either one left is the debris.
  const found = await target.provider.listKeys({ label });
  if (found.length === 0) return;
  const token = await target.provider.tokenInfo();
  const where = `target "${step.to}" (token "${token.label}", serial ${token.serial})`;
  const copy = found.find((k) => k.class !== 'public') ?? found[0]!;
  const same =
    copy.spkiSha256 && rec.spkiSha256
      ? copy.spkiSha256 === rec.spkiSha256
        ? `its public key is the source's (SPKI SHA-256 ${copy.spkiSha256})`
        : `its public key (SPKI SHA-256 ${copy.spkiSha256}) is not the source's (${rec.spkiSha256})`
      : `CKA_ID ${copy.id}`;
  await ctx.event(step.id, 'transfer.interrupted_copy_found', {
    label,
    target: step.to,
    target_token: token.label,
    target_serial: token.serial,
    spki_sha256: copy.spkiSha256,
    source_spki_sha256: rec.spkiSha256,
    action: 'stopped; nothing transferred again',
  });
  throw new OlocusError(
    ErrorCode.POLICY_VIOLATION,
    `The previous run stopped after "${label}" was unwrapped on ${where} but before its proof was recorded; ${same}. Nothing was transferred again and the key on the ceremony token is untouched. Have the target's officer destroy that unrecorded copy (${found.length === 1 ? 'the object' : `all ${found.length} objects`} labelled "${label}" with CKA_ID ${copy.id}: ${found.map((k) => `${k.class} key`).join(', ')}), then run the ceremony again on this directory: the transfer starts afresh.`,
  );
}

/** The named approvers present their shares (checked against the split's commitments). */
async function approveDestroy(
  ctx: RunContext,
  step: TransferStep,
  label: string,
): Promise<string[]> {
  const record = ctx.state.secrets[TOKEN_PINS];
  if (!record)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Step "${step.id}" needs the officers' token shares to approve destroying "${label}", but this run never split them.`,
    );
  const named = (step.approved_by ?? []).map(
    (a) => record.custodians.find((c) => c.toLowerCase() === a.trim().toLowerCase()) ?? a,
  );
  const { secret, custodians } = await collectQuorum(ctx.room, ctx.quorumLog(step.id), {
    ceremonyId: ctx.script.ceremony.id,
    secretId: TOKEN_PINS,
    purpose: `approving that "${label}" is destroyed on the ceremony token once its copy on "${step.to}" is proven`,
    record: { ...record, custodians: named },
  });
  secret.dispose(); // the quorum's approval is the point here, not the PINs
  const stranger = custodians.find((c) => !named.includes(c));
  if (stranger)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${stranger} is not among the approvers the script names (${named.join(', ')}); destroying "${label}" needs their shares. Nothing was transferred.`,
    );
  await ctx.event(step.id, 'transfer.destroy_approved', {
    key: label,
    approved_by: custodians,
    named_in_script: named,
    threshold: record.threshold,
  });
  return custodians;
}

/** The KEK for kwp on both tokens: rebuilt from the officers' shares, or one both already hold. */
async function prepareKek(
  ctx: RunContext,
  step: TransferStep,
  source: TokenProvider,
  target: TokenProvider,
): Promise<{ selectors: NonNullable<MigrateOptions['kek']>; drop: () => Promise<void> } | null> {
  if (step.wrap !== 'kwp' || !step.kek) return null;
  if ('label' in step.kek) {
    const sel = { label: step.kek.label, class: 'secret' as const };
    if (ctx.state.mode === 'run')
      return { selectors: { source: sel, target: sel }, drop: async () => undefined };
    // A rehearsal's throwaway tokens cannot hold the day's KEK: a random AES-256 one stands in,
    // on both tokens for this step only, so the kwp path itself is still rehearsed.
    const label = step.kek.label;
    await importSharedKek(source, target, Secret.adopt(randomBytes(32)), { label });
    ctx.room.announce({
      stepId: step.id,
      kind: 'warning',
      message: `Rehearsal: a random stand-in for KEK "${label}" was loaded on both throwaway tokens.`,
    });
    return {
      selectors: { source: sel, target: sel },
      drop: () => dropSharedKek(source, target, label),
    };
  }
  const secretId = `backup-kek:${step.kek.backup}`;
  const record = ctx.state.secrets[secretId];
  if (!record)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Backup KEK "${step.kek.backup}" was never split in this run, so it cannot be rebuilt for step "${step.id}".`,
    );
  const { secret, custodians } = await collectQuorum(ctx.room, ctx.quorumLog(step.id), {
    ceremonyId: ctx.script.ceremony.id,
    secretId,
    purpose: `re-creating backup KEK "${step.kek.backup}" to move "${transferLabel(step)}" to "${step.to}"`,
    record,
  });
  const session = `${step.kek.backup}-transfer-session`;
  try {
    await ctx.event(step.id, 'quorum.met', {
      split: secretId,
      custodians,
      threshold: record.threshold,
    });
    // Session objects on both tokens, gone when the sessions close.
    await importSharedKek(source, target, secret, { label: session });
  } finally {
    secret.dispose();
  }
  const sel = { label: session, class: 'secret' as const };
  return {
    selectors: { source: sel, target: sel },
    drop: () => dropSharedKek(source, target, session),
  };
}

/** The ledger says the copy was proven: nothing moves again; an approved destroy is finished. */
async function recover(
  ctx: RunContext,
  step: TransferStep,
  st: StepState,
  source: TokenProvider,
  recorded: RecordedTransfer,
): Promise<string> {
  const label = transferLabel(step);
  const migrated = recorded.migrated!;
  let approvedBy: string[] | null = null;
  if (step.destroy_source && recorded.approval) {
    approvedBy = recorded.approval.approved_by as string[];
    if (!recorded.destroyed) {
      const left = (await source.listKeys({ label })).filter((k) => k.class !== 'public');
      for (const k of left) await source.destroyKey({ label, id: Buffer.from(k.id, 'hex') });
      await ctx.event(step.id, 'key.source_destroyed', {
        label,
        source_spki_sha256: (migrated.source as Record<string, unknown>).spki_sha256,
        approved_by: approvedBy,
        outcome: 'destroyed',
        note:
          left.length > 0
            ? 'destroyed on resume: the interrupted run had proven and recorded the copy'
            : 'the key was already gone from the ceremony token when the run resumed',
      });
    }
    delete ctx.state.keys[label];
  }
  await ctx.event(step.id, 'step.recovered', {
    found: label,
    note: 'the interrupted run recorded this transfer; it is not done again',
  });
  ctx.room.announce({
    stepId: step.id,
    kind: 'warning',
    message: `"${label}" was already transferred to "${step.to}" by the interrupted run and recorded; it is not transferred again.`,
  });
  st.results = transferResults(step, migrated, approvedBy);
  await ctx.save();
  return transferStatement(step, migrated, approvedBy !== null);
}
