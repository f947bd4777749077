// The transcript: what a run did, step by step, without the values that differ between runs
// (random ids, fingerprints, times). A rehearsal writes the expected one; a real run compares
// each step as it completes and stops at the first divergence.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { CeremonyScript, Step } from '../script/schema';
import type { RunState, StepState } from './state';

export const TRANSCRIPT_FORMAT = 'olocus-ceremony-transcript/1';

export interface TranscriptStep {
  id: string;
  type: string;
  witnessed: boolean;
  /** Key types, attributes, subjects and output names: what must be the same on the day. */
  expected: Record<string, unknown>;
}

export interface Transcript {
  format: typeof TRANSCRIPT_FORMAT;
  ceremony: { id: string; name: string };
  scriptSha256: string;
  quorum: string;
  steps: TranscriptStep[];
}

const RANDOM = new Set([
  'fingerprint',
  'sha256',
  'serial',
  'id',
  'token',
  'shares',
  'kcv',
  'spkiSha256',
  'validityDays',
  // Negotiated between the two HSMs of a transfer, not set by the script: a SoftHSM rehearsal
  // uses OAEP with SHA-1 where the day's HSMs may agree on SHA-256.
  'oaepHash',
  'proofMethod',
]);

/** Drops values that are random per run; keeps the shape and everything decided by the script. */
function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!RANDOM.has(k)) out[k] = stable(x);
    return out;
  }
  return v;
}

export function transcriptStep(step: Step, st: StepState): TranscriptStep {
  return {
    id: step.id,
    type: step.type,
    witnessed: st.witness !== undefined,
    expected: stable(st.results ?? {}) as Record<string, unknown>,
  };
}

export function buildTranscript(script: CeremonyScript, state: RunState): Transcript {
  return {
    format: TRANSCRIPT_FORMAT,
    ceremony: { id: script.ceremony.id, name: script.ceremony.name },
    scriptSha256: state.scriptSha256,
    quorum: `${script.quorum.threshold}-of-${script.roles.officers.length}`,
    steps: script.steps.map((s, i) => transcriptStep(s, state.steps[i]!)),
  };
}

export function parseTranscript(text: string, source: string): Transcript {
  let t: Transcript;
  try {
    t = JSON.parse(text) as Transcript;
  } catch {
    throw new OlocusError(ErrorCode.INVALID_INPUT, `${source} is not JSON.`);
  }
  if (t.format !== TRANSCRIPT_FORMAT)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${source} is not a rehearsal transcript (${String(t.format)}).`,
    );
  return t;
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (
    a &&
    b &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      );
      if (d) return d;
    }
  }
  return `${path || 'result'}: rehearsed ${JSON.stringify(a)}, now ${JSON.stringify(b)}`;
}

/** What the script decides about a step before it runs, in the transcript's terms. */
function planned(step: Step): Record<string, unknown> {
  switch (step.type) {
    case 'key.generate':
      return { key: { label: step.key.label, type: step.key.type } };
    case 'certificate.self_signed':
      return { certificate: { key: step.key, subject: step.subject, ca: step.ca } };
    case 'certificate.csr':
      return { request: { key: step.key, subject: step.subject } };
    case 'key.backup':
      return { backup: { keys: step.keys, kek: step.kek.label } };
    case 'witness.checkpoint':
      return { statement: step.statement };
    case 'sign.batch':
      return {
        batch: {
          key: step.key,
          files: step.files.map((f) => ({ file: f.path, sha256: f.sha256 })),
        },
      };
    case 'key.rotate':
      return { rotate: { key: step.key, reason: step.reason } };
    case 'transfer':
      return {
        transfer: {
          key: typeof step.key === 'string' ? step.key : step.key.label,
          to: step.to,
          wrap: step.wrap,
          kek: step.kek ?? null,
          destroySource: step.destroy_source,
        },
      };
    default:
      return {};
  }
}

/** Whether everything in `part` is also in `whole` (the rehearsal recorded more than the plan). */
function within(part: unknown, whole: unknown, path: string): string | null {
  if (part && typeof part === 'object' && !Array.isArray(part)) {
    for (const [k, v] of Object.entries(part)) {
      const d = within(
        v,
        (whole as Record<string, unknown> | undefined)?.[k],
        path ? `${path}.${k}` : k,
      );
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(part) === JSON.stringify(whole)
    ? null
    : `${path}: rehearsed ${JSON.stringify(whole)}, the script now says ${JSON.stringify(part)}`;
}

/** Before a step runs: is it the step the rehearsal ran at this point, with the same settings? */
export function precheckStep(expected: Transcript, i: number, step: Step): void {
  const want = expected.steps[i];
  const d =
    want && want.id === step.id && want.type === step.type
      ? within(planned(step), want.expected, '')
      : null;
  if (d) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Step ${i + 1} ("${step.id}") diverges from the rehearsal: ${d}. The run stops here; nothing of this step was done.`,
    );
  }
  if (!want || want.id !== step.id || want.type !== step.type) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Step ${i + 1} ("${step.id}", ${step.type}) diverges from the rehearsal, which ran ${want ? `"${want.id}" (${want.type})` : 'no such step'} here. Nothing of this step was done.`,
    );
  }
}

/** Throws at the first way step `i` differs from the rehearsal. */
export function compareStep(expected: Transcript, i: number, step: Step, st: StepState): void {
  const want = expected.steps[i];
  const got = transcriptStep(step, st);
  const diverged = (why: string) =>
    new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Step ${i + 1} ("${step.id}") diverges from the rehearsal: ${why}. The run stops here; nothing after this step was done.`,
    );
  if (!want) throw diverged('the rehearsal had no such step');
  if (want.id !== got.id || want.type !== got.type)
    throw diverged(`rehearsed "${want.id}" (${want.type}), now "${got.id}" (${got.type})`);
  if (want.witnessed !== got.witnessed)
    throw diverged(
      want.witnessed
        ? 'the rehearsal had a witness sign-off here'
        : 'the rehearsal had no witness here',
    );
  const d = firstDifference(want.expected, got.expected, '');
  if (d) throw diverged(d);
}
