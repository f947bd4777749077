// What a run directory remembers between processes: which steps are done, what public
// material they produced, and the commitments against which shares are checked. No secret is
// ever written here.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { replaceAtomically } from '../../audit/durable';

export const RUN_FORMAT = 'olocus-ceremony-run/1';

export type StepStatus = 'pending' | 'started' | 'done';

export interface StepState {
  id: string;
  type: string;
  status: StepStatus;
  startedAt?: string;
  doneAt?: string;
  witness?: { name: string; at: string };
  /** What the witness confirms; set with `results`, when the step's work is done and recorded. */
  statement?: string;
  /** Public results: fingerprints, file names, serials. Shown in the transcript. */
  results?: Record<string, unknown>;
}

export interface SecretRecord {
  threshold: number;
  total: number;
  custodians: string[];
  commitments: Record<string, string>;
  secretCommitment: { salt: string; digest: string };
}

export interface KeyRecord {
  label: string;
  type: string;
  class: string;
  spkiSha256: string | null;
  id: string;
  step: string;
}

export interface RunState {
  format: typeof RUN_FORMAT;
  mode: 'run' | 'rehearsal' | 'demo';
  ceremonyId: string;
  scriptSha256: string;
  status: 'running' | 'finished';
  startedAt: string;
  finishedAt?: string;
  token?: { label: string; serial: string; manufacturer: string; model: string };
  /** The module and token the run started on (from the script or the config); resumes go there only. */
  hsm?: { modulePath: string; tokenLabel: string; initArgs?: string; serial?: string };
  auditKey?: { label: string; spkiSha256: string };
  secrets: Record<string, SecretRecord>;
  keys: Record<string, KeyRecord>;
  steps: StepState[];
}

export const statePath = (dir: string) => join(dir, 'state.json');

/** The text of a run's state.json, or null when the run has none yet. */
export async function readStateText(dir: string): Promise<string | null> {
  try {
    return await readFile(statePath(dir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export async function loadState(dir: string): Promise<RunState | null> {
  const text = await readStateText(dir);
  if (text === null) return null;
  const state = JSON.parse(text) as RunState;
  if (state.format !== RUN_FORMAT) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${statePath(dir)} is not an Olocus Ceremony run state (${String(state.format)}).`,
    );
  }
  return state;
}

export async function saveState(dir: string, state: RunState): Promise<void> {
  // 0600: it names custodians and commitments, and nobody but the run's owner needs it.
  await replaceAtomically(statePath(dir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
