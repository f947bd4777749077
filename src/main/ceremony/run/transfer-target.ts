// Opening the HSM a transfer step moves a key to. On the day it is the script's target URI, logged
// in with the PIN its pin-source names (read at the step, zeroed after login, never recorded). A
// rehearsal or demo has no real second HSM: it makes a throwaway target token in its own SoftHSM
// store, whose PIN is kept only under demo-secrets/ so an interrupted rehearsal can resume.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { openPkcs11 } from '../../hsm/open';
import type { TokenProvider } from '../../hsm/provider';
import { parsePkcs11Uri } from '../../hsm/uri';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { RunContext } from './context';
import { splitTokenPins } from './context';
import { Secret } from '../../../shared/secret';
import { exists } from '../../audit/durable';
import { slug } from './token-step';

export interface OpenedTarget {
  provider: TokenProvider;
  /** What the room and the ledger call it: the script's name and the token it reached. */
  name: string;
  throwaway: boolean;
}

export async function openTarget(
  ctx: RunContext,
  name: string,
  stepId: string,
): Promise<OpenedTarget> {
  const def = ctx.script.targets[name];
  if (!def)
    throw new OlocusError(ErrorCode.INVALID_INPUT, `The script defines no target "${name}".`);
  if (ctx.state.mode !== 'run') return openThrowaway(ctx, name);
  const provider = await openPkcs11(parsePkcs11Uri(def.uri), {
    login: 'always',
    onWarning: (message) => ctx.room.announce({ stepId, kind: 'warning', message }),
  });
  return { provider, name, throwaway: false };
}

/** Two fresh PINs as hex text built byte by byte (no string of either is ever made). */
function freshPins(): { soPin: Secret; userPin: Secret } {
  const seed = Secret.adopt(randomBytes(32));
  try {
    return seed.use((bytes) => splitTokenPins(bytes));
  } finally {
    seed.dispose();
  }
}

/** A token label within PKCS#11's 32 bytes that no one can mistake for the real target. */
export function throwawayLabel(name: string): string {
  return `rehearsal-${name}`.slice(0, 32);
}

async function openThrowaway(ctx: RunContext, name: string): Promise<OpenedTarget> {
  const label = throwawayLabel(name);
  const pinFile = `demo-secrets/targets/${slug(name)}-user-pin`;
  const open = () =>
    ctx.hsm.open({
      modulePath: ctx.hsm.modulePath,
      ...(ctx.hsm.initArgs !== undefined ? { initArgs: ctx.hsm.initArgs } : {}),
      token: { token: label },
    });
  if (await exists(ctx.path(pinFile))) {
    const provider = await open();
    const pin = Secret.adopt(await readFile(ctx.path(pinFile)));
    try {
      await provider.login(pin.copy()); // login zeroes the copy
    } catch (e) {
      await provider.close();
      throw e;
    } finally {
      pin.dispose();
    }
    return { provider, name, throwaway: true };
  }
  const { soPin, userPin } = freshPins();
  try {
    // Written before the token is made, so an interruption never leaves a token nobody can open.
    await userPin.use((b) => ctx.output(pinFile, b, 0o600));
    const module = await ctx.hsm.open({
      modulePath: ctx.hsm.modulePath,
      ...(ctx.hsm.initArgs !== undefined ? { initArgs: ctx.hsm.initArgs } : {}),
    });
    try {
      await module.initToken(soPin.copy(), label); // zeroed by initToken
    } finally {
      await module.close();
    }
    const provider = await open();
    try {
      // Each call zeroes the copy it is given.
      await provider.login(soPin.copy(), 'so');
      await provider.initUserPin(userPin.copy());
      await provider.logout();
      await provider.login(userPin.copy());
    } catch (e) {
      await provider.close();
      throw e;
    }
    return { provider, name, throwaway: true };
  } finally {
    soPin.dispose();
    userPin.dispose();
  }
}
