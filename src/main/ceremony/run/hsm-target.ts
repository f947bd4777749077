// Which token a run works on: the script's hsm.uri, with what it leaves out taken from the
// token an hsm-config.yaml names (`ceremony run --config`, the app's config). The run records
// the token it started on, resumes only there, and looks at the module before it writes or
// splits anything, so a config that names a missing module or token costs nothing.
import { openPkcs11Token } from '../../hsm/open-token';
import { parsePkcs11Uri } from '../../hsm/uri';
import type { Pkcs11Uri } from '../../hsm/uri';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { CeremonyScript } from '../script/schema';
import type { HsmTarget } from './context';
import type { RunState } from './state';

const invalid = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

/**
 * The script's URI wins attribute by attribute; the config fills the rest. Init args belong to a
 * module, and a serial or slot to a token, so they come from the config only with its module or
 * its token. An override (the throwaway SoftHSM of a rehearsal) replaces the module outright.
 */
export function resolveHsmTarget(
  script: CeremonyScript,
  override: Partial<HsmTarget> = {},
  config?: Pkcs11Uri,
): HsmTarget {
  const uri = parsePkcs11Uri(script.hsm.uri);
  const cfg = config ?? {};
  const moduleFromConfig = uri.modulePath === undefined && override.modulePath === undefined;
  const tokenFromConfig = uri.token === undefined && override.tokenLabel === undefined;
  const modulePath = override.modulePath ?? uri.modulePath ?? cfg.modulePath;
  const tokenLabel = override.tokenLabel ?? uri.token ?? cfg.token;
  const how = config
    ? 'and the config (hsm.pkcs11) names none'
    : 'and no --config FILE names one (hsm.pkcs11)';
  if (!modulePath)
    throw invalid(
      `The script's hsm.uri has no module-path=… ${how}, so the run does not know which PKCS#11 library to load.`,
    );
  if (!tokenLabel)
    throw invalid(
      `The script's hsm.uri has no token=… ${how} (token_label), so the run does not know its token.`,
    );
  const initArgs =
    override.modulePath !== undefined
      ? override.initArgs
      : (uri.initArgs ?? (moduleFromConfig ? cfg.initArgs : undefined));
  const serial = uri.serial ?? (tokenFromConfig ? cfg.serial : undefined);
  const slotId = uri.slotId ?? (tokenFromConfig ? cfg.slotId : undefined);
  return {
    modulePath,
    tokenLabel,
    ...(initArgs !== undefined ? { initArgs } : {}),
    ...(serial !== undefined && override.modulePath === undefined ? { serial } : {}),
    ...(slotId !== undefined && override.modulePath === undefined ? { slotId } : {}),
    open: override.open ?? openPkcs11Token,
  };
}

/** What state.json keeps of the token (no PIN source: the officers hold the PIN). */
export function recordedTarget(t: HsmTarget): NonNullable<RunState['hsm']> {
  return {
    modulePath: t.modulePath,
    tokenLabel: t.tokenLabel,
    ...(t.initArgs !== undefined ? { initArgs: t.initArgs } : {}),
    ...(t.serial !== undefined ? { serial: t.serial } : {}),
  };
}

/** A resumed run goes on only on the token it started on, whatever script URI or config it is given now. */
export function checkResumeTarget(state: RunState, t: HsmTarget): void {
  const was = state.hsm;
  if (!was) return;
  if (was.modulePath !== t.modulePath || was.tokenLabel !== t.tokenLabel) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `This run started on token "${was.tokenLabel}" of ${was.modulePath}, but the script and config now name token "${t.tokenLabel}" of ${t.modulePath}; resume it with the config it started with.`,
    );
  }
}

/**
 * Before a new run writes anything: the module loads, and the token is as the script needs it
 * (absent and an uninitialised slot free, when the script initialises it; present otherwise).
 */
export async function preflight(script: CeremonyScript, t: HsmTarget): Promise<void> {
  const init = script.steps.find((s) => s.type === 'token.initialize');
  const initialises = init !== undefined;
  const slot = (init?.type === 'token.initialize' ? init.slot_id : undefined) ?? t.slotId;
  if (initialises && t.serial !== undefined) {
    throw invalid(
      `The config names token serial ${t.serial}, but this script initialises a new token, whose serial the HSM assigns; remove token_serial (slot_id chooses the slot).`,
    );
  }
  const module = await t.open({
    modulePath: t.modulePath,
    ...(t.initArgs !== undefined ? { initArgs: t.initArgs } : {}),
  });
  try {
    const tokens = await module.listTokens();
    const mine = tokens.filter(
      (x) =>
        x.initialized &&
        x.label === t.tokenLabel &&
        (t.serial === undefined || x.serial === t.serial),
    );
    if (initialises) {
      if (mine.length > 0)
        throw new OlocusError(
          ErrorCode.POLICY_VIOLATION,
          `A token labelled "${t.tokenLabel}" already exists in ${t.modulePath} (serial ${mine[0]!.serial}); this script initialises its token, which would erase its keys. Name another token; nothing was written.`,
        );
      const free = tokens.filter(
        (x) => !x.initialized && (slot === undefined || x.slotId === slot),
      );
      if (free.length === 0)
        throw new OlocusError(
          ErrorCode.TOKEN_NOT_FOUND,
          `${slot !== undefined ? `Slot ${slot} of ${t.modulePath} holds no uninitialised token` : `No slot of ${t.modulePath} holds an uninitialised token`}, so the ceremony token cannot be made there. Nothing was written.`,
        );
    } else if (mine.length === 0) {
      throw new OlocusError(
        ErrorCode.TOKEN_NOT_FOUND,
        `No token labelled "${t.tokenLabel}"${t.serial !== undefined ? ` with serial ${t.serial}` : ''} in ${t.modulePath}; tokens there: ${
          tokens
            .filter((x) => x.initialized)
            .map((x) => `"${x.label}"`)
            .join(', ') || 'none'
        }. Nothing was written.`,
      );
    }
  } finally {
    await module.close();
  }
}
