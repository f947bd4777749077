// Rotation and retirement of a family's versions on a PKCS#11 token: every change is made on
// the token first, then written to the signed inventory, then to the ledger; a refusal changes
// nothing and (when a ledger is given) is recorded as one.
import { ErrorCode, OlocusError } from '../../shared/errors';
import { KEY_TYPES } from '../hsm/types';
import type { KeyInfo, KeyType } from '../hsm/types';
import type { KeyUsage } from '../hsm/pkcs11/templates';
import { saveInventory, withInventoryLock } from './inventory';
import type { LifecycleContext, LoadedFamily } from './family';
import { addressOf, checkOnToken, loadFamily, resolveVersion, selectorOf } from './family';
import type { FamilyRecord, VersionRecord } from './model';
import { describeVersion, primaryOf, versionId, versionLabel } from './model';
import { rotationDueAt } from './policy';

export interface RotationResult {
  family: string;
  rotated: boolean;
  /** Why nothing was made (`--if-due` before the due date). */
  skipped?: string;
  previous: VersionRecord | null;
  primary: VersionRecord;
  disabled: VersionRecord[];
  inventory: string;
  /** What the token would not change (docs/lifecycle.md, "Found on NSS softoken"), one sentence each. */
  tokenNotices?: string[];
}

const refuse = (m: string, code: ErrorCode = ErrorCode.INVALID_INPUT) => new OlocusError(code, m);

/** Runs `fn`; a refusal is recorded in the ledger (when there is one) before it is thrown. */
async function recorded<T>(
  ctx: LifecycleContext,
  subject: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (ctx.audit && e instanceof OlocusError)
      await ctx.audit
        .event('key.rotation_refused', { ...subject, code: e.code, reason: e.message })
        .catch(() => undefined);
    throw e;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function usageOf(k: KeyInfo): KeyUsage[] {
  const u: KeyUsage[] = [];
  if (k.usage.sign) u.push('sign');
  if (k.usage.decrypt || k.usage.encrypt) u.push('encrypt');
  if (k.usage.unwrap || k.usage.wrap) u.push('wrap');
  return u;
}

/** Marks a version unusable on the token: end date today, usage flags off where the module lets. */
async function disableOnToken(
  ctx: LifecycleContext,
  v: VersionRecord,
  now: Date,
): Promise<Record<string, unknown>> {
  const outcomes = await ctx.provider.setKeyAttributes(
    { label: v.label, id: new Uint8Array(Buffer.from(v.id, 'hex')) },
    {
      endDate: now,
      usage: { sign: false, decrypt: false, unwrap: false, encrypt: false, wrap: false },
    },
  );
  const refused = outcomes.flatMap((o) =>
    o.refused.map((r) => `${o.class} ${r.attribute}: ${r.ckr}`),
  );
  return refused.length ? { token_refused: refused } : {};
}

/**
 * The one sentence an officer reads when the module kept attributes read-only (NSS softoken
 * answers CKR_ATTRIBUTE_READ_ONLY for an object made with CKA_MODIFIABLE false): the state is
 * recorded all the same, but a tool that reads only the token still sees the version as usable.
 */
export function tokenNotice(v: VersionRecord, refused: unknown): string | undefined {
  if (!Array.isArray(refused) || refused.length === 0) return undefined;
  const byCkr = new Map<string, Set<string>>();
  for (const r of refused as string[]) {
    const [, attribute = r, ckr = 'refused'] = /^\S+ (\S+): (\S+)$/.exec(r) ?? [];
    byCkr.set(ckr, (byCkr.get(ckr) ?? new Set()).add(attribute));
  }
  const what = [...byCkr].map(([ckr, a]) => `${[...a].join(', ')} (${ckr})`).join('; ');
  return `The token would not change ${what} of ${describeVersion(v)}, so it is ${v.state} in the inventory and the ledger but a PKCS#11 tool that reads only the token can still use it.`;
}

function disable(v: VersionRecord, now: Date, reason: string, extra: Record<string, unknown>) {
  v.state = 'disabled';
  v.disabledAt = now.toISOString();
  v.metadata = { ...v.metadata, disabled_reason: reason, ...extra };
}

/** Makes the next version of the family the URI's object names, and retires what policy says. */
export async function rotateFamily(
  ctx: LifecycleContext,
  object: string | undefined,
  opts: { reason?: string; ifDue?: boolean; createdBy?: string; approvedBy?: string[] } = {},
): Promise<RotationResult> {
  const address = addressOf(object);
  const subject = { family: address.family, requested: object };
  return recorded(ctx, subject, () =>
    withInventoryLock(ctx.inventoryPath, `rotating "${address.family}"`, async () => {
      const loaded = await loadFamily(ctx, address.family);
      const { family: f, policy } = loaded;
      const asked = resolveVersion(f, address);
      const primary = primaryOf(f);
      if (!primary || asked !== primary)
        throw refuse(
          `${describeVersion(asked)} of "${f.name}" is ${asked.state}, not the primary${primary ? ` (the primary is version ${primary.version}, "${primary.label}")` : ''}; only the primary is rotated. Address it as ${f.name}@latest. Nothing was changed.`,
        );
      await checkOnToken(ctx, f);
      const now = ctx.now();
      if (opts.ifDue) {
        const due = rotationDueAt(primary, policy);
        if (due > now)
          return {
            family: f.name,
            rotated: false,
            skipped: `version ${primary.version} is not due for rotation until ${due.toISOString().slice(0, 10)}`,
            previous: null,
            primary,
            disabled: [],
            inventory: ctx.inventoryPath,
          };
      }
      return makeNextVersion(ctx, loaded, primary, now, opts);
    }),
  );
}

async function makeNextVersion(
  ctx: LifecycleContext,
  { inv, family: f, policy }: LoadedFamily,
  primary: VersionRecord,
  now: Date,
  opts: { reason?: string; createdBy?: string; approvedBy?: string[] },
): Promise<RotationResult> {
  const old = await ctx.provider.getAttributes(selectorOf(primary));
  const type = String(old.type);
  if (!(KEY_TYPES as readonly string[]).includes(type))
    throw refuse(`"${primary.label}" is a ${type} key, which Olocus cannot make a new version of.`);
  const n = Math.max(...f.versions.map((v) => v.version)) + 1;
  const label = versionLabel(f.name, n);
  const made = await ctx.provider.generateKey(type as KeyType, {
    label,
    id: versionId(f.name, n),
    extractable: old.provenance.extractable === true,
    usage: usageOf(old),
    startDate: now,
    endDate: new Date(now.getTime() + policy.rotationIntervalMs + policy.overlapPeriodMs),
  });
  // From here on a failure must not leave a version the inventory does not know.
  try {
    const overlapEnd = now.getTime() + policy.overlapPeriodMs;
    const endRefused = (
      await ctx.provider.setKeyAttributes(
        { label: primary.label, id: new Uint8Array(Buffer.from(primary.id, 'hex')) },
        { endDate: new Date(overlapEnd) },
      )
    ).flatMap((o) => o.refused.map((r) => `${o.class} ${r.attribute}: ${r.ckr}`));
    if (endRefused.length) primary.metadata = { ...primary.metadata, token_refused: endRefused };
    primary.state = 'enabled';
    primary.replacedAt = now.toISOString();
    primary.overlapEndsAt = iso(overlapEnd);
    const next: VersionRecord = {
      version: n,
      label,
      id: made.id,
      type,
      class: primary.class,
      spkiSha256: made.spkiSha256,
      kcv: made.kcv,
      state: 'primary',
      createdAt: now.toISOString(),
      adopted: false,
      primarySince: now.toISOString(),
      replacedAt: null,
      overlapEndsAt: null,
      disabledAt: null,
      destroyScheduledAt: null,
      destroyAfter: null,
      destroyedAt: null,
      metadata: {
        rotation_reason: opts.reason ?? 'scheduled rotation',
        created_by: opts.createdBy ?? ctx.actor,
        ...(opts.approvedBy ? { approved_by: opts.approvedBy } : {}),
      },
    };
    f.versions.push(next);
    const disabled = await retire(ctx, f, policy.maxVersions, now);
    inv.doc.families[f.name] = f;
    const sig = await saveInventory(ctx.provider, inv, now);
    await ctx.audit?.event('key.rotated', {
      family: f.name,
      version: n,
      label,
      id: made.id,
      type,
      spki_sha256: made.spkiSha256,
      kcv: made.kcv,
      previous: {
        version: primary.version,
        label: primary.label,
        overlap_ends: primary.overlapEndsAt,
        ...(endRefused.length ? { token_refused: endRefused } : {}),
      },
      disabled: disabled.map((v) => ({
        version: v.version,
        label: v.label,
        reason: v.metadata.disabled_reason,
        ...(v.metadata.token_refused ? { token_refused: v.metadata.token_refused } : {}),
      })),
      reason: next.metadata.rotation_reason,
      created_by: next.metadata.created_by,
      approved_by: opts.approvedBy ?? null,
      policy: {
        rotation_interval_ms: policy.rotationIntervalMs,
        overlap_period_ms: policy.overlapPeriodMs,
        max_versions: policy.maxVersions,
      },
      inventory_sha256_key: sig.spkiSha256,
    });
    const notices = [
      tokenNotice(primary, endRefused),
      ...disabled.map((v) => tokenNotice(v, v.metadata.token_refused)),
    ].filter((n): n is string => n !== undefined);
    return {
      family: f.name,
      rotated: true,
      previous: primary,
      primary: next,
      disabled,
      inventory: inv.path,
      ...(notices.length ? { tokenNotices: notices } : {}),
    };
  } catch (e) {
    await ctx.provider.destroyKey({ label, id: versionId(f.name, n) }).catch(() => undefined);
    throw e;
  }
}

/**
 * After a rotation: enabled versions whose overlap has ended are disabled, and beyond
 * max_versions usable versions (primary + enabled) the oldest are disabled.
 */
async function retire(
  ctx: LifecycleContext,
  f: FamilyRecord,
  maxVersions: number,
  now: Date,
): Promise<VersionRecord[]> {
  const out: VersionRecord[] = [];
  const usable = () => f.versions.filter((v) => v.state === 'primary' || v.state === 'enabled');
  for (const v of f.versions) {
    if (v.state === 'enabled' && v.overlapEndsAt && Date.parse(v.overlapEndsAt) <= now.getTime()) {
      disable(v, now, 'overlap ended', await disableOnToken(ctx, v, now));
      out.push(v);
    }
  }
  while (usable().length > maxVersions) {
    const oldest = usable().sort((a, b) => a.version - b.version)[0]!;
    disable(
      oldest,
      now,
      `beyond max_versions (${maxVersions})`,
      await disableOnToken(ctx, oldest, now),
    );
    out.push(oldest);
  }
  return out;
}

export { disableOnToken, disable };
