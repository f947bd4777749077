// The `key.rotate` step: the next version of a key family, made under the quorum's login, with
// its events in the ceremony's ledger and the family in a signed inventory in the run directory
// (docs/lifecycle.md). A run interrupted after the version was made finds it in the inventory
// (created by this ceremony's step) and records it rather than making another.
import { loadInventory, primaryOf, rotateFamily } from '../../lifecycle/index';
import type { LifecycleContext, VersionRecord } from '../../lifecycle/index';
import type { Step } from '../script/schema';
import type { RunContext } from './context';
import type { StepState } from './state';

type RotateStep = Extract<Step, { type: 'key.rotate' }>;

export async function rotateStep(
  ctx: RunContext,
  step: RotateStep,
  st: StepState,
): Promise<string> {
  await ctx.ensureQuorum(step);
  const provider = await ctx.provider();
  const createdBy = `ceremony ${ctx.script.ceremony.id}, step ${step.id}`;
  const lc: LifecycleContext = {
    provider,
    inventoryPath: step.inventory ?? ctx.path('keys-inventory.json'),
    now: ctx.now,
    actor: ctx.actor,
    audit: { event: (type, data) => ctx.event(step.id, type, data) },
  };
  const family = step.key.split('@')[0]!;
  let made: VersionRecord | undefined;
  if (st.status === 'started') {
    const inv = await loadInventory(provider, lc.inventoryPath);
    const f = inv.doc.families[family];
    const p = f ? primaryOf(f) : undefined;
    if (p?.metadata.created_by === createdBy) {
      made = p;
      await ctx.event(step.id, 'step.recovered', {
        found: p.label,
        note: 'the version was made by the interrupted run; it is recorded, not made again',
      });
    }
  }
  if (!made) {
    st.status = 'started';
    await ctx.save();
    made = (await rotateFamily(lc, step.key, { reason: step.reason, createdBy })).primary;
  }
  st.results = {
    rotated: {
      family,
      version: made.version,
      label: made.label,
      spkiSha256: made.spkiSha256,
      kcv: made.kcv,
    },
  };
  await ctx.save();
  return `Key family "${family}" rotated: version ${made.version} ("${made.label}") is the primary.`;
}
