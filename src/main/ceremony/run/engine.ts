// One reviewed script in, one run out. A run lives in its directory; started again on the same
// directory it resumes after the last completed step, and a finished directory is never reused.
import { signBatchStep } from './batch-step';
import { readdir, rmdir } from 'node:fs/promises';
import { Ledger, verifyLedger } from '../../audit/index';
import type { Pkcs11Uri } from '../../hsm/uri';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { STEP_TYPES } from '../script/schema';
import type { CeremonyScript, Step } from '../script/schema';
import { RunContext, sha256 } from './context';
import { checkResumeTarget, preflight, recordedTarget, resolveHsmTarget } from './hsm-target';
import type { HsmTarget } from './context';
import { exists, writeOnce } from '../../audit/durable';
import { backup, checkpoint, csr, generateKey, selfSigned } from './key-steps';
import type { CeremonyRoom } from './room';
import { RUN_FORMAT, loadState } from './state';
import type { RunState, StepState } from './state';
import { attestKey } from './attest-step';
import { restoreKeys } from './restore-step';
import { transferKey } from './transfer-step';
import { rotateStep } from './rotate-step';
import { initializeToken } from './token-step';
import { finishRun } from './finish';
import { isBookkeeping, takeRunDirectory } from './run-dir';
import type { HeldLock } from '../../audit/write-lock';
import { compareStep, precheckStep } from './transcript';
import type { Transcript } from './transcript';
import type { RunReporting, RunSummary } from './finish';
import type { RunNotes } from './notes';

export interface RunOptions {
  script: CeremonyScript;
  scriptText: string;
  dir: string;
  room: CeremonyRoom;
  /** The signed report every run ends with, from the service (see RunReporting). */
  reporting: RunReporting;
  mode?: RunState['mode'];
  /** Where the token lives, when the script's URI must be overridden (demo, rehearsal). */
  hsm?: Partial<HsmTarget>;
  /**
   * The token an hsm-config.yaml names: it fills what the script's hsm.uri leaves out (module,
   * token label, init args, serial, slot). The script's own attributes win.
   */
  configToken?: Pkcs11Uri;
  expect?: Transcript;
  now?: () => Date;
  /** Entries the caller put in a new run directory before the run (the demo's SoftHSM store). */
  preexisting?: string[];
  /** The run directory's lock, when the caller took it first (demo, rehearsal); else taken here. */
  lock?: HeldLock;
  /** Notes for the ledger from outside the run (the app's health alerts). */
  notes?: RunNotes;
}

// report is not a script step: every run ends with the signed report.
const AVAILABLE = new Set<Step['type']>(STEP_TYPES.filter((t) => t !== 'report'));

async function prepare(
  o: RunOptions,
  scriptSha256: string,
  hsm: HsmTarget,
): Promise<{ state: RunState; resumed: boolean }> {
  const previous = await loadState(o.dir);
  if (previous) {
    if (previous.status === 'finished') {
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `${o.dir} holds a finished ceremony (${previous.ceremonyId}); its outputs are never overwritten. Choose a new directory.`,
      );
    }
    if (previous.scriptSha256 !== scriptSha256) {
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `${o.dir} holds an unfinished run of a different script (SHA-256 ${previous.scriptSha256}); it resumes only with the script it started with.`,
      );
    }
    checkResumeTarget(previous, hsm);
    return { state: previous, resumed: true };
  }
  if (
    (await exists(o.dir)) &&
    (await readdir(o.dir)).some((f) => !isBookkeeping(f, o.preexisting))
  ) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${o.dir} is not empty and holds no ceremony run; choose an empty or new directory.`,
    );
  }
  // Nothing is written until the module has loaded and the token is as the script needs it.
  await preflight(o.script, hsm);
  const state: RunState = {
    format: RUN_FORMAT,
    mode: o.mode ?? 'run',
    ceremonyId: o.script.ceremony.id,
    scriptSha256,
    status: 'running',
    startedAt: (o.now ?? (() => new Date()))().toISOString(),
    secrets: {},
    keys: {},
    steps: o.script.steps.map((s) => ({ id: s.id, type: s.type, status: 'pending' })),
    hsm: recordedTarget(hsm),
  };
  await writeOnce(`${o.dir}/script.yaml`, o.scriptText);
  return { state, resumed: false };
}

async function runStep(ctx: RunContext, step: Step, st: StepState): Promise<string> {
  switch (step.type) {
    case 'token.initialize':
      return initializeToken(ctx, step, st);
    case 'key.generate':
      return generateKey(ctx, step, st);
    case 'certificate.self_signed':
      return selfSigned(ctx, step, st);
    case 'certificate.csr':
      return csr(ctx, step, st);
    case 'key.backup':
      return backup(ctx, step, st);
    case 'key.restore':
      return restoreKeys(ctx, step, st);
    case 'witness.checkpoint':
      return checkpoint(ctx, step, st);
    case 'attest':
      return attestKey(ctx, step, st);
    case 'transfer':
      return transferKey(ctx, step, st);
    case 'sign.batch':
      return signBatchStep(ctx, step, st);
    case 'key.rotate':
      return rotateStep(ctx, step, st);
    default:
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `Step type ${step.type} is not available in this build.`,
      );
  }
}

export async function runCeremony(o: RunOptions): Promise<RunSummary> {
  const missing = o.script.steps.filter((s) => !AVAILABLE.has(s.type));
  if (missing.length > 0) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `This build cannot run step${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s.id}" (${s.type})`).join(', ')}; nothing was started.`,
    );
  }
  const scriptSha256 = sha256(o.scriptText);
  // Held for the whole run: a second process on this directory is refused until it ends.
  const created = !o.lock && !(await exists(o.dir));
  const lock = o.lock ?? (await takeRunDirectory(o.dir));
  let failed = false;
  try {
    return await runLocked(o, scriptSha256, lock);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    if (!o.lock) await lock.release();
    // A run refused before it wrote anything (a bad config, a missing module) leaves no
    // directory behind; rmdir only removes one that is still empty.
    if (failed && created) await rmdir(o.dir).catch(() => undefined);
  }
}

async function runLocked(o: RunOptions, scriptSha256: string, lock: HeldLock): Promise<RunSummary> {
  const hsm = resolveHsmTarget(o.script, o.hsm, o.configToken);
  const { state, resumed } = await prepare(o, scriptSha256, hsm);
  const ctx = new RunContext(o.script, o.dir, state, o.room, hsm, o.now);
  await ctx.save();
  o.notes?.attach(async (type, data) => {
    if (!ctx.ledger) return false;
    await ctx.event(null, type, data);
    return true;
  });
  try {
    if (resumed && (await exists(ctx.path('audit.jsonl')))) {
      const hsm = await ctx.provider();
      const spki = await hsm.publicKey({ label: state.auditKey!.label, class: 'public' });
      const opened = await Ledger.open(ctx.path('audit.jsonl'), {
        signer: ctx.auditSigner(spki, state.auditKey!.label),
      });
      ctx.ledger = opened.ledger;
      await ctx.event(null, 'ceremony.resumed', {
        completed: state.steps.filter((s) => s.status === 'done').map((s) => s.id),
        recovered: opened.recovered ?? null,
        // The process that held the run directory before this one died without releasing it.
        run_lock_taken_over: lock.takenOver,
      });
    }
    for (const [i, step] of o.script.steps.entries()) {
      const st = state.steps[i]!;
      if (st.status === 'done') continue;
      o.room.announce({
        stepId: step.id,
        kind: 'progress',
        message: `Step ${i + 1} of ${o.script.steps.length}: ${step.title ?? step.id}`,
      });
      if (st.status === 'pending' && step.type !== 'token.initialize') {
        st.startedAt = ctx.now().toISOString();
        await ctx.event(step.id, 'step.started', { type: step.type, title: step.title ?? step.id });
      }
      if (o.expect) precheckStep(o.expect, i, step);
      // A step whose work was done and recorded before an interruption is not done again: the
      // run goes on to its witness and completion.
      if (st.statement === undefined) {
        st.statement = await runStep(ctx, step, st);
        await ctx.save();
      }
      if (!st.witness) {
        await ctx.witness(step, st, st.statement);
        await ctx.save();
      }
      if (o.expect) compareStep(o.expect, i, step, st);
      st.status = 'done';
      st.doneAt = ctx.now().toISOString();
      await ctx.event(step.id, 'step.completed', { results: st.results ?? {} });
      // The head is signed at every boundary the token is open for; a step that needs no quorum
      // (a witness checkpoint after a resume) leaves its records for the next signature.
      await o.notes?.flush();
      if (ctx.isLoggedIn) await ctx.ledger?.signHead({ actor: ctx.actor, step: step.id });
      await ctx.save();
      if (step.type === 'token.initialize') await ctx.logout();
    }
    await o.notes?.detach();
    return await finishRun(ctx, o.reporting);
  } finally {
    await o.notes?.detach();
    await ctx.close();
  }
}

export { verifyLedger };
