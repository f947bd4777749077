// The `attest` step: a ceremony key's provenance verdict from the HSM's own attributes, recorded
// in the ledger and the run directory. `with: { key, require: pass }` stops the ceremony unless
// every check passes; without `require` the verdict is recorded, whatever it says.
import { provenanceVerdict } from '../../attestation/index';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { Step } from '../script/schema';
import type { RunContext } from './context';
import type { StepState } from './state';
import { slug } from './token-step';

// attest and report share one schema (hookStep): a `with` map their modules read.
type AttestStep = Extract<Step, { with: Record<string, unknown> }>;

export async function attestKey(ctx: RunContext, step: AttestStep, st: StepState): Promise<string> {
  const label = step.with.key;
  if (typeof label !== 'string' || !ctx.state.keys[label]) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Step "${step.id}" needs with.key naming a key of this ceremony.`,
    );
  }
  await ctx.ensureQuorum(step);
  const hsm = await ctx.provider();
  const rec = ctx.state.keys[label];
  const info = await hsm.getAttributes({
    label,
    class: rec.class === 'secret' ? 'secret' : 'private',
  });
  const restored =
    rec.step !== undefined &&
    ctx.script.steps.find((s) => s.id === rec.step)?.type === 'key.restore';
  const verdict = provenanceVerdict(info, {
    vendor: (await hsm.info()).manufacturer,
    acceptImported: restored,
    ...(rec.spkiSha256 ? { expectedSpkiSha256: rec.spkiSha256 } : {}),
  });
  const file = await ctx.output(
    `attestations/${slug(label)}.json`,
    `${JSON.stringify(verdict, null, 2)}\n`,
  );
  await ctx.event(step.id, 'attestation.verdict', {
    key: label,
    vendor: verdict.vendor,
    overall: verdict.overall,
    checks: verdict.checks.map((c) => ({ name: c.name, status: c.status, evidence: c.evidence })),
    notes: verdict.notes,
    file,
  });
  st.results = {
    attestation: {
      key: label,
      overall: verdict.overall,
      checks: verdict.checks.map((c) => ({ name: c.name, status: c.status })),
    },
    outputs: [file],
  };
  if (step.with.require === 'pass' && verdict.overall !== 'pass') {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The provenance verdict for "${label}" is ${verdict.overall}, and the script requires pass: ${verdict.checks
        .filter((c) => c.status !== 'pass')
        .map((c) => `${c.name} (${c.evidence})`)
        .join('; ')}.`,
    );
  }
  return `The provenance verdict for "${label}" is ${verdict.overall.toUpperCase()}.`;
}
