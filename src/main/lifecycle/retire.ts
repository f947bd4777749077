// Disabling a version, scheduling its destruction (with the quorum's names, collected by the
// caller from the officers' shares) and destroying it once the delay has passed.
import { ErrorCode, OlocusError } from '../../shared/errors';
import { saveInventory, withInventoryLock } from './inventory';
import type { LifecycleContext } from './family';
import { addressOf, checkOnToken, loadFamily, resolveVersion, selectorOf } from './family';
import type { FamilyRecord, VersionRecord } from './model';
import { USABLE, describeVersion } from './model';
import { disable, disableOnToken, tokenNotice } from './rotate';

const refuse = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

export interface RetireResult {
  family: string;
  version: VersionRecord;
  inventory: string;
  /** The sentence saying what the token would not change, when it refused something. */
  tokenNotice?: string;
}

/** The version an address names, under the lock, with the inventory it came from. */
async function withVersion(
  ctx: LifecycleContext,
  object: string | undefined,
  what: string,
  fn: (f: FamilyRecord, v: VersionRecord, now: Date) => Promise<Record<string, unknown>>,
): Promise<RetireResult> {
  const address = addressOf(object);
  return withInventoryLock(ctx.inventoryPath, `${what} "${object}"`, async () => {
    // A plain key never rotated is a family of one: every change below refuses it as the only
    // enabled version, before anything is written.
    const { inv, family: f } = await loadFamily(ctx, address.family);
    const v = resolveVersion(f, address);
    await checkOnToken(ctx, f);
    const now = ctx.now();
    const event = await fn(f, v, now);
    inv.doc.families[f.name] = f;
    await saveInventory(ctx.provider, inv, now);
    const type = event.type as
      'key.version_disabled' | 'key.destroy_scheduled' | 'key.version_destroyed';
    delete event.type;
    const notice = tokenNotice(v, event.token_refused);
    await ctx.audit?.event(type, {
      family: f.name,
      version: v.version,
      label: v.label,
      id: v.id,
      ...event,
    });
    return {
      family: f.name,
      version: v,
      inventory: inv.path,
      ...(notice ? { tokenNotice: notice } : {}),
    };
  });
}

function refuseLastOrPrimary(f: FamilyRecord, v: VersionRecord, what: string): void {
  if (v.state !== 'primary') return;
  const usable = f.versions.filter((x) => USABLE.has(x.state));
  if (usable.length <= 1)
    throw refuse(
      `${describeVersion(v)} is the only enabled version of "${f.name}": ${what} it would leave nothing to decrypt or verify with. Nothing was changed.`,
    );
  throw refuse(
    `${describeVersion(v)} is the primary of "${f.name}"; rotate first (keys rotate), then ${what} it. Nothing was changed.`,
  );
}

export function disableVersion(
  ctx: LifecycleContext,
  object: string | undefined,
  opts: { reason?: string } = {},
): Promise<RetireResult> {
  return withVersion(ctx, object, 'disabling', async (f, v, now) => {
    refuseLastOrPrimary(f, v, 'disabling');
    if (v.state !== 'enabled')
      throw refuse(
        `${describeVersion(v)} of "${f.name}" is already ${v.state}. Nothing was changed.`,
      );
    const reason = opts.reason ?? 'disabled by hand';
    const token = await disableOnToken(ctx, v, now);
    disable(v, now, reason, token);
    return { type: 'key.version_disabled', reason, by: ctx.actor, ...token };
  });
}

function checkDestroyable(f: FamilyRecord, v: VersionRecord): void {
  refuseLastOrPrimary(f, v, 'destroying');
  if (v.state !== 'enabled' && v.state !== 'disabled')
    throw refuse(
      `${describeVersion(v)} of "${f.name}" is already ${v.state}. Nothing was changed.`,
    );
}

/**
 * The refusals of scheduleDestroy, without the lock or any change: asked before the officers
 * are called to present their cards for something that would be refused anyway.
 */
export async function precheckDestroy(
  ctx: LifecycleContext,
  object: string | undefined,
): Promise<void> {
  const address = addressOf(object);
  const { family: f } = await loadFamily(ctx, address.family);
  checkDestroyable(f, resolveVersion(f, address));
}

export function scheduleDestroy(
  ctx: LifecycleContext,
  object: string | undefined,
  opts: { approvedBy: string[]; delayMs: number; ceremony?: string; threshold?: number },
): Promise<RetireResult> {
  return withVersion(ctx, object, 'scheduling the destruction of', async (f, v, now) => {
    if (opts.approvedBy.length === 0 || opts.approvedBy.some((n) => n.trim() === ''))
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        'Destroying a key version needs the quorum that approved it; no approver was named. Nothing was changed.',
      );
    refuseLastOrPrimary(f, v, 'destroying');
    if (v.state !== 'enabled' && v.state !== 'disabled')
      throw refuse(
        `${describeVersion(v)} of "${f.name}" is already ${v.state}. Nothing was changed.`,
      );
    const token = v.state === 'enabled' ? await disableOnToken(ctx, v, now) : {};
    if (v.state === 'enabled') disable(v, now, 'scheduled for destruction', token);
    v.state = 'destroy-scheduled';
    v.destroyScheduledAt = now.toISOString();
    v.destroyAfter = new Date(now.getTime() + opts.delayMs).toISOString();
    v.metadata = { ...v.metadata, destroy_approved_by: opts.approvedBy };
    return {
      type: 'key.destroy_scheduled',
      destroy_after: v.destroyAfter,
      approved_by: opts.approvedBy,
      threshold: opts.threshold ?? null,
      ceremony: opts.ceremony ?? null,
      ...token,
    };
  });
}

export function destroyVersion(
  ctx: LifecycleContext,
  object: string | undefined,
): Promise<RetireResult> {
  return withVersion(ctx, object, 'destroying', async (f, v, now) => {
    if (v.state !== 'destroy-scheduled' || !v.destroyAfter)
      throw refuse(
        `${describeVersion(v)} of "${f.name}" is ${v.state}; only a version scheduled for destruction (keys schedule-destroy, under quorum) is destroyed. Nothing was changed.`,
      );
    if (Date.parse(v.destroyAfter) > now.getTime())
      throw refuse(
        `${describeVersion(v)} of "${f.name}" may be destroyed from ${v.destroyAfter}, not before. Nothing was changed.`,
      );
    const objects = await ctx.provider.destroyKey({ label: v.label, id: selectorOf(v).id });
    v.state = 'destroyed';
    v.destroyedAt = now.toISOString();
    return {
      type: 'key.version_destroyed',
      objects,
      approved_by: v.metadata.destroy_approved_by ?? null,
    };
  });
}
