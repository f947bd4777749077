// The one place IPC requests enter main. For every contract channel: check who sent it, check
// that the payload is plain data, parse it with the channel's schema, run the handler, parse
// the result with the response schema (dropping any field the contract does not name), and
// answer `{ ok: true, value }` or `{ ok: false, error }`. Nothing is thrown back to Electron
// (a thrown error would reach the renderer as a string with our stack in it).
//
// It takes an ipcMain-like object rather than importing electron, so tests drive it with a fake.
import { INVOKE_NAMES, invokeChannel } from '../../shared/channels';
import type { InvokeName } from '../../shared/channels';
import { contract } from '../../shared/contract';
import type { Envelope, ParsedRequestOf, ResponseOf, ResultOf } from '../../shared/contract';
import { ErrorCode } from '../../shared/errors';
import { senderRefused, toIpcError, validationError } from './errors';
import { checkPlainData } from './plain-data';
import { checkSender } from './sender';
import type { InvokeEventLike } from './sender';

/** The part of Electron's ipcMain this needs. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** One function per channel, receiving the parsed request. */
export type Handlers = {
  [K in InvokeName]: (request: ParsedRequestOf<K>) => Promise<ResultOf<K>>;
};

export interface RegisterOptions {
  /** Whether the sending webContents is the shell's window (see sender.ts). */
  isOurWindow?: Parameters<typeof checkSender>[1];
  /** Where refusals and unexpected failures are reported (never with payloads). */
  log?: (...args: unknown[]) => void;
}

/** Handles one invocation; exported so tests can call it without a fake ipcMain too. */
export async function dispatch<K extends InvokeName>(
  name: K,
  handler: Handlers[K],
  event: InvokeEventLike,
  args: unknown[],
  options: RegisterOptions = {},
): Promise<Envelope<ResponseOf<K>>> {
  const log = options.log ?? console.warn;
  try {
    const sender = checkSender(event, options.isOurWindow);
    if (!sender.ok) {
      log(`olocus ipc: ${name} refused: ${sender.reason}`);
      return { ok: false, error: senderRefused(sender.reason) };
    }
    // The preload always sends exactly one argument; anything else did not come through it.
    if (args.length !== 1) {
      return { ok: false, error: validationError('a request takes exactly one argument') };
    }
    const payload = args[0];
    const plain = checkPlainData(payload);
    if (!plain.ok) return { ok: false, error: validationError(plain.reason) };
    const parsed = contract[name].request.safeParse(payload);
    if (!parsed.success) return { ok: false, error: validationError(parsed.error.issues) };

    const result = await (handler as (request: unknown) => Promise<unknown>)(parsed.data);

    const out = contract[name].response.safeParse(result);
    if (!out.success) {
      // The service returned something the contract does not describe: a bug on our side,
      // and not a reason to send the renderer data no schema has vetted.
      log(`olocus ipc: ${name} returned a result outside the contract`, out.error.issues);
      return {
        ok: false,
        error: {
          code: ErrorCode.OPERATION_FAILED,
          message: 'The operation finished, but its result could not be shown; see the log.',
        },
      };
    }
    return { ok: true, value: out.data as ResponseOf<K> };
  } catch (e) {
    return { ok: false, error: toIpcError(e, options.log ?? console.error) };
  }
}

/**
 * Registers a handler for every channel in the contract (and only those); returns a function
 * that removes them again.
 */
export function registerContract(
  ipcMain: IpcMainLike,
  handlers: Handlers,
  options: RegisterOptions = {},
): () => void {
  for (const name of INVOKE_NAMES) {
    const handler = handlers[name] as Handlers[typeof name];
    ipcMain.handle(invokeChannel(name), (event, ...args) =>
      dispatch(name, handler, event, args, options),
    );
  }
  return () => {
    for (const name of INVOKE_NAMES) ipcMain.removeHandler(invokeChannel(name));
  };
}
