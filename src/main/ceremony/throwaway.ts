// Runs a script on a SoftHSM token store created inside the run directory: the demo (the
// bundled script) and rehearsals (any script, to produce the expected transcript).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findDefaultModules } from '../hsm/vendors';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { ScriptedRoom } from './rooms/scripted-room';
import { runCeremony } from './run/engine';
import type { RunReporting } from './run/finish';
import type { RunSummary } from './run/finish';
import type { IssuedShare, RoomEvent } from './run/room';
import { exists, writeOnce } from '../audit/durable';
import { loadState } from './run/state';
import { RUN_DIR_MODE, isBookkeeping, takeRunDirectory } from './run/run-dir';
import type { HeldLock } from '../audit/write-lock';
import type { RunState } from './run/state';
import type { CeremonyScript } from './script/schema';
import type { Pkcs11Uri } from '../hsm/uri';

export interface ThrowawaySummary extends RunSummary {
  softhsmConf: string;
  /** Where the program-played officers keep their shares so an interrupted run can resume. */
  playedShares: string;
}

function softhsmModule(): string {
  const found = findDefaultModules().find((m) => m.vendor === 'softhsm');
  if (!found) {
    throw new OlocusError(
      ErrorCode.CONNECTION_FAILED,
      'This needs SoftHSM2, which is not installed here (Debian: apt-get install softhsm2; macOS: brew install softhsm).',
    );
  }
  return found.path;
}

export async function runOnThrowawayToken(options: {
  out: string;
  script: CeremonyScript;
  scriptText: string;
  mode: Extract<RunState['mode'], 'demo' | 'rehearsal'>;
  reporting: RunReporting;
  onEvent?: (e: RoomEvent) => void;
  /** The config's token: a rehearsal takes its label (never its module) when the script names none. */
  configToken?: Pkcs11Uri;
}): Promise<ThrowawaySummary> {
  const dir = resolve(options.out);
  // Taken before anything is read or made, so two demos on one directory never interleave.
  const lock = await takeRunDirectory(dir);
  try {
    return await runLocked(dir, options, lock);
  } finally {
    await lock.release();
  }
}

async function runLocked(
  dir: string,
  options: Parameters<typeof runOnThrowawayToken>[0],
  lock: HeldLock,
): Promise<ThrowawaySummary> {
  const state = await loadState(dir);
  const what = options.mode === 'demo' ? 'demo' : 'rehearsal';
  if (state && state.mode !== options.mode)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${dir} holds a ceremony run that is not a ${what}; it will not be touched.`,
    );
  if (state?.status === 'finished')
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${dir} holds a finished ${what}; its outputs are never overwritten. Choose a new directory.`,
    );
  if (!state && (await readdir(dir)).some((f) => !isBookkeeping(f))) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${dir} is not empty; a ${what} needs an empty or new directory.`,
    );
  }

  // SoftHSM reads SOFTHSM2_CONF when its library initialises: set before anything opens it.
  const conf = join(dir, 'softhsm', 'softhsm2.conf');
  if (!state) {
    await mkdir(join(dir, 'softhsm', 'tokens'), { recursive: true, mode: RUN_DIR_MODE });
    await writeFile(
      conf,
      `directories.tokendir = ${join(dir, 'softhsm', 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
  }
  process.env.SOFTHSM2_CONF = conf;

  // Program-played officers keep their shares here (demo and rehearsal material only).
  const played = join(dir, 'demo-secrets', 'shares');
  const known: IssuedShare[] = [];
  if (await exists(played)) {
    for (const f of await readdir(played))
      known.push(JSON.parse(await readFile(join(played, f), 'utf8')) as IssuedShare);
  }
  const safe = (s: string) => s.replace(/[^a-z0-9-]+/gi, '_');
  const room = new ScriptedRoom({
    shares: known,
    keep: async (issued) => {
      for (const s of issued)
        await writeOnce(
          join(played, `${safe(s.secretId)}--${safe(s.custodian)}.json`),
          JSON.stringify(s),
          0o600,
        );
    },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const summary = await runCeremony({
    script: options.script,
    scriptText: options.scriptText,
    dir,
    room,
    reporting: options.reporting,
    mode: options.mode,
    hsm: { modulePath: softhsmModule() },
    ...(options.configToken ? { configToken: options.configToken } : {}),
    preexisting: ['softhsm'],
    lock,
  });
  return { ...summary, softhsmConf: conf, playedShares: played };
}
