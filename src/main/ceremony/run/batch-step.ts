// sign.batch: files the reviewed script pins by SHA-256, signed with a ceremony key on the
// ceremony token (a group of one), each to signed/STEP/NAME.sig with a signed batch manifest. A
// file whose digest differs from the script is refused before anything is signed; a resumed run
// signs only what is missing (the batch journal in the step's directory).
import { resolve } from 'node:path';
import { HsmGroup, inputsFromPinned, signBatch } from '../../cluster/index';
import type { TokenProvider } from '../../hsm/provider';
import type { Step } from '../script/schema';
import type { RunContext } from './context';
import type { StepState } from './state';

type SignBatch = Extract<Step, { type: 'sign.batch' }>;

/** The run's token, lent to the group: the group's close must not close the ceremony's token. */
function lent(p: TokenProvider): TokenProvider {
  return new Proxy(p, {
    get(target, prop, receiver) {
      if (prop === 'close') return async () => undefined;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function signBatchStep(
  ctx: RunContext,
  step: SignBatch,
  st: StepState,
): Promise<string> {
  const inputs = inputsFromPinned(
    step.files,
    resolve(ctx.dir, '..'),
    `Step "${step.id}" of the script`,
    `step "${step.id}" of the script`,
  );
  await ctx.ensureQuorum(step);
  const token = await ctx.provider();
  st.status = 'started';
  await ctx.save();
  const group = await HsmGroup.open({
    name: 'ceremony',
    members: [ctx.script.hsm.uri],
    keyLabel: step.key,
    open: async () => lent(token),
    strategy: 'primary-only',
  });
  try {
    const outDir = ctx.path(`signed/${step.id}`);
    const r = await signBatch({
      group,
      inputs,
      outDir,
      limits: { maxBatchSize: 50, maxWaitTimeMs: 100, maxConcurrentBatches: 5 },
      onProgress: (p) =>
        ctx.room.announce({
          stepId: step.id,
          kind: 'progress',
          message: `Signed ${p.done} of ${p.total} files.`,
        }),
    });
    await ctx.event(step.id, 'batch.finished', {
      key: step.key,
      fingerprint: group.fingerprint.value,
      files: r.total,
      signed: r.signed,
      skipped: r.kept,
      manifest_sha256: r.manifestSha256,
    });
    st.results = {
      batch: {
        key: step.key,
        files: inputs.map((i) => ({ file: i.name, sha256: i.sha256 })),
        manifest: `signed/${step.id}/batch-manifest.json`,
      },
    };
    return `Signed ${r.total} files with "${step.key}"; manifest SHA-256 ${r.manifestSha256}.`;
  } finally {
    await group.close();
  }
}
