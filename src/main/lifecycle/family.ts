// A family as the inventory and the token hold it together: loading it (taking in a plain key as
// version 1 the first time), checking that the token still holds every version the inventory
// says it does, and finding the version an address names.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeySettings } from '../config/index';
import type { TokenProvider } from '../hsm/provider';
import type { KeyInfo } from '../hsm/types';
import type { LoadedInventory } from './inventory';
import { loadInventory } from './inventory';
import type { LifecycleAudit } from './ledger';
import type { FamilyAddress, FamilyRecord, VersionRecord } from './model';
import { FAMILY_NAME, ON_TOKEN, parseFamilyLabel, primaryOf, versionOf } from './model';
import type { RotationPolicy } from './policy';
import { policyFor } from './policy';

export interface LifecycleContext {
  provider: TokenProvider;
  inventoryPath: string;
  keys?: KeySettings | undefined;
  now: () => Date;
  actor: string;
  audit?: LifecycleAudit | undefined;
}

export interface LoadedFamily {
  inv: LoadedInventory;
  family: FamilyRecord;
  policy: RotationPolicy;
  /** True when the family is not in the inventory yet (a plain key about to be taken in). */
  isNew: boolean;
}

const invalid = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

/** The family an object label names; a bare label is a family of its own name. */
export function addressOf(object: string | undefined): FamilyAddress {
  if (object === undefined || object === '')
    throw invalid('Name the key with object= in the URI (e.g. object=root@latest).');
  const a = parseFamilyLabel(object);
  if (!FAMILY_NAME.test(a.family))
    throw invalid(`"${a.family}" cannot name a key family (1-64 letters, digits, ., _ or -).`);
  return a;
}

function keyClassOf(k: KeyInfo): 'private' | 'secret' | null {
  return k.class === 'private' || k.class === 'secret' ? k.class : null;
}

/** Version 1 of a new family: the plain key labelled exactly `name`, as it is. */
async function adopt(ctx: LifecycleContext, name: string): Promise<FamilyRecord> {
  const found = (await ctx.provider.listKeys({ label: name })).filter((k) => keyClassOf(k));
  if (found.length === 0)
    throw new OlocusError(
      ErrorCode.KEY_NOT_FOUND,
      `No key family "${name}" is in the inventory, and the token holds no private or secret key labelled "${name}" to start one from.`,
    );
  if (found.length > 1)
    throw invalid(
      `The token holds ${found.length} keys labelled "${name}"; a family starts from exactly one.`,
    );
  const k = found[0]!;
  const dates = await ctx.provider.keyDates({ label: name, class: keyClassOf(k)! });
  const created = dates.start ? `${dates.start}T00:00:00.000Z` : ctx.now().toISOString();
  return {
    name,
    versions: [
      {
        version: 1,
        label: name,
        id: k.id,
        type: String(k.type),
        class: keyClassOf(k)!,
        spkiSha256: k.spkiSha256,
        kcv: k.kcv,
        state: 'primary',
        createdAt: created,
        adopted: true,
        primarySince: created,
        replacedAt: null,
        overlapEndsAt: null,
        disabledAt: null,
        destroyScheduledAt: null,
        destroyAfter: null,
        destroyedAt: null,
        metadata: { created_by: 'before the family existed (adopted as version 1)' },
      },
    ],
  };
}

/** Loads the family `name`; a family the inventory lacks is taken in from its plain key. */
export async function loadFamily(ctx: LifecycleContext, name: string): Promise<LoadedFamily> {
  const policy = policyFor(name, ctx.keys);
  const inv = await loadInventory(ctx.provider, ctx.inventoryPath);
  const known = inv.doc.families[name];
  if (known) return { inv, family: known, policy, isNew: false };
  const stray = (await ctx.provider.listKeys()).filter((k) => k.label.startsWith(`${name}@v`));
  if (stray.length > 0)
    throw invalid(
      `The token holds versions of "${name}" (${[...new Set(stray.map((k) => k.label))].join(', ')}) that the inventory ${ctx.inventoryPath} does not list; give the inventory that records them (--inventory).`,
    );
  return { inv, family: await adopt(ctx, name), policy, isNew: true };
}

/** Every version the inventory places on the token must be there, with its id. */
export async function checkOnToken(ctx: LifecycleContext, f: FamilyRecord): Promise<void> {
  for (const v of f.versions) {
    if (!ON_TOKEN.has(v.state)) continue;
    const found = await ctx.provider.listKeys({
      label: v.label,
      id: Buffer.from(v.id, 'hex'),
      class: v.class,
    });
    if (found.length === 0)
      throw new OlocusError(
        ErrorCode.KEY_NOT_FOUND,
        `The inventory records version ${v.version} of "${f.name}" ("${v.label}") as ${v.state}, but the token does not hold it. Nothing was changed.`,
      );
  }
}

/** The version an address names; a plain label names the version carrying that label. */
export function resolveVersion(f: FamilyRecord, a: FamilyAddress): VersionRecord {
  if (a.spec.kind !== 'plain') return versionOf(f, a.spec);
  const v = f.versions.find((x) => x.label === a.family) ?? primaryOf(f);
  if (!v) throw new OlocusError(ErrorCode.KEY_NOT_FOUND, `Key family "${f.name}" has no versions.`);
  return v;
}

export const selectorOf = (v: VersionRecord) => ({
  label: v.label,
  id: new Uint8Array(Buffer.from(v.id, 'hex')),
  class: v.class,
});
