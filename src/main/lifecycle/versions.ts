// What the inventory says about families: one family's versions with the token's dates, and
// everything due across the token's families.
import type { LifecycleContext } from './family';
import { addressOf, loadFamily, selectorOf } from './family';
import { loadInventory } from './inventory';
import type { FamilyRecord, VersionRecord } from './model';
import { ON_TOKEN } from './model';
import type { DueItem, RotationPolicy } from './policy';
import { dueItems, policyFor } from './policy';

export interface VersionView extends VersionRecord {
  /** CKA_START_DATE / CKA_END_DATE as the token holds them (null when gone or unset). */
  token: { start: string | null; end: string | null } | null;
}

export interface FamilyView {
  family: string;
  /** False when the family is not in the inventory yet (a plain key shown as version 1). */
  recorded: boolean;
  policy: RotationPolicy;
  versions: VersionView[];
  due: DueItem[];
  inventory: string;
}

export async function familyVersions(
  ctx: LifecycleContext,
  object: string | undefined,
): Promise<FamilyView> {
  const { family: f, policy, isNew, inv } = await loadFamily(ctx, addressOf(object).family);
  const versions: VersionView[] = [];
  for (const v of f.versions) {
    const token = ON_TOKEN.has(v.state)
      ? await ctx.provider.keyDates(selectorOf(v)).catch(() => null)
      : null;
    versions.push({ ...v, token });
  }
  return {
    family: f.name,
    recorded: !isNew,
    policy,
    versions,
    due: dueItems(f, policy, ctx.now(), policy.notificationAdvanceMs),
    inventory: inv.path,
  };
}

export interface DueReport {
  now: string;
  withinMs: number | null;
  families: number;
  items: DueItem[];
  overdue: number;
  inventory: string;
}

/** Due items across every family in the inventory; `withinMs` defaults to each family's notice. */
export async function dueReport(ctx: LifecycleContext, withinMs?: number): Promise<DueReport> {
  const inv = await loadInventory(ctx.provider, ctx.inventoryPath);
  const now = ctx.now();
  const items = Object.values(inv.doc.families).flatMap((f: FamilyRecord) => {
    const p = policyFor(f.name, ctx.keys);
    return dueItems(f, p, now, withinMs ?? p.notificationAdvanceMs);
  });
  items.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  return {
    now: now.toISOString(),
    withinMs: withinMs ?? null,
    families: Object.keys(inv.doc.families).length,
    items,
    overdue: items.filter((i) => i.overdue).length,
    inventory: inv.path,
  };
}
