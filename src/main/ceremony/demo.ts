// `demo --out DIR`: the bundled 3-of-5 root CA ceremony, end to end, on a SoftHSM token created
// under DIR. Officers and witness are played by the program; everything else is the real run.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findDefaultModules } from '../hsm/vendors';
import { resourcePath } from '../resources';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { ScriptedRoom } from './rooms/scripted-room';
import { runCeremony } from './run/engine';
import type { RunSummary } from './run/finish';
import type { IssuedShare, RoomEvent } from './run/room';
import { exists, writeOnce } from './run/files';
import { loadState } from './run/state';
import { parseScript } from './script/load';

export interface DemoSummary extends RunSummary {
  softhsmConf: string;
  demoSecrets: string;
}

function softhsmModule(): string {
  const found = findDefaultModules().find((m) => m.vendor === 'softhsm');
  if (!found) {
    throw new OlocusError(
      ErrorCode.CONNECTION_FAILED,
      'The demo needs SoftHSM2, which is not installed here (Debian: apt-get install softhsm2; macOS: brew install softhsm).',
    );
  }
  return found.path;
}

export async function runDemo(out: string, onEvent?: (e: RoomEvent) => void): Promise<DemoSummary> {
  const dir = resolve(out);
  const state = await loadState(dir);
  if (state && state.mode !== 'demo')
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${dir} holds a ceremony run that is not a demo; the demo will not touch it.`,
    );
  if (state?.status === 'finished')
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${dir} holds a finished demo; its outputs are never overwritten. Choose a new directory.`,
    );
  if (!state && (await exists(dir)) && (await readdir(dir)).length > 0) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${dir} is not empty; the demo needs an empty or new directory.`,
    );
  }

  // SoftHSM reads SOFTHSM2_CONF when its library initialises: set before anything opens it.
  const softhsm = join(dir, 'softhsm');
  const conf = join(softhsm, 'softhsm2.conf');
  if (!state) {
    await mkdir(join(softhsm, 'tokens'), { recursive: true });
    await writeFile(
      conf,
      `directories.tokendir = ${join(softhsm, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
  }
  process.env.SOFTHSM2_CONF = conf;

  const scriptPath = resourcePath('ceremonies/root-ca.yaml');
  const scriptText = await readFile(scriptPath, 'utf8');
  const script = parseScript(scriptText, scriptPath);

  // The officers' shares, kept so that an interrupted demo can resume: demo material only.
  const secrets = join(dir, 'demo-secrets');
  const sharesDir = join(secrets, 'shares');
  const known: IssuedShare[] = [];
  if (await exists(sharesDir)) {
    for (const f of await readdir(sharesDir))
      known.push(JSON.parse(await readFile(join(sharesDir, f), 'utf8')) as IssuedShare);
  }
  const room = new ScriptedRoom({
    shares: known,
    keep: async (issued) => {
      for (const s of issued) {
        await writeOnce(
          join(
            sharesDir,
            `${s.secretId.replace(/[^a-z0-9-]+/gi, '_')}--${s.custodian.replace(/[^a-z0-9-]+/gi, '_')}.json`,
          ),
          JSON.stringify(s),
          0o600,
        );
      }
    },
    ...(onEvent ? { onEvent } : {}),
  });
  const summary = await runCeremony({
    script,
    scriptText,
    dir,
    room,
    mode: 'demo',
    hsm: { modulePath: softhsmModule() },
    preexisting: ['softhsm'],
  });
  return { ...summary, softhsmConf: conf, demoSecrets: secrets };
}
