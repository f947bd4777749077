// Ceremony scripts for the service: check one, run (or resume) it with a room answering for the
// people, or rehearse it on a throwaway SoftHSM token. `configToken` is the config's token, the
// one a script's steps mean when they name none.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { runCeremony } from '../ceremony/run/engine';
import type { RunSummary } from '../ceremony/run/finish';
import type { CeremonyRoom, RoomEvent } from '../ceremony/run/room';
import type { RunNotes } from '../ceremony/run/notes';
import { parseTranscript } from '../ceremony/run/transcript';
import { loadScript } from '../ceremony/script/load';
import { formatPlan, planScript } from '../ceremony/script/plan';
import { runOnThrowawayToken } from '../ceremony/throwaway';
import type { ThrowawaySummary } from '../ceremony/throwaway';
import { readTextFile } from '../config/yaml-file';
import type { Pkcs11Uri } from '../hsm/uri';
import { runReporting } from '../report/run-reporting';
import type { ScriptCheckResult } from './types';

/** A ConfigError lists every problem with line:col. */
export async function validateScript(path: string): Promise<ScriptCheckResult> {
  const { script, text } = await loadScript(path);
  const plan = planScript(script);
  return {
    file: path,
    sha256: createHash('sha256').update(text).digest('hex'),
    plan,
    planText: formatPlan(plan),
  };
}

/** `options.expect`: a transcript the run must follow. */
export async function runScript(
  scriptPath: string,
  dir: string,
  room: CeremonyRoom,
  options: { expect?: string },
  configToken: Pkcs11Uri | undefined,
  notes?: RunNotes,
): Promise<RunSummary> {
  const { script, text } = await loadScript(scriptPath);
  const expect = options.expect
    ? parseTranscript(await readTextFile(options.expect), options.expect)
    : undefined;
  return runCeremony({
    reporting: runReporting,
    script,
    scriptText: text,
    dir: resolve(dir),
    room,
    ...(notes ? { notes } : {}),
    ...(expect ? { expect } : {}),
    ...(configToken ? { configToken } : {}),
  });
}

/** Writes the expected transcript under `dir`. */
export async function rehearseScript(
  scriptPath: string,
  dir: string,
  onEvent: ((e: RoomEvent) => void) | undefined,
  configToken: Pkcs11Uri | undefined,
): Promise<ThrowawaySummary> {
  const { script, text } = await loadScript(scriptPath);
  return runOnThrowawayToken({
    reporting: runReporting,
    out: dir,
    script,
    scriptText: text,
    mode: 'rehearsal',
    ...(onEvent ? { onEvent } : {}),
    ...(configToken ? { configToken } : {}),
  });
}
