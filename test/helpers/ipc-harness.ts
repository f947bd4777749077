// The IPC front as the window meets it, without Electron: a fake ipcMain that keeps the
// handlers the real registerContract installs (sender check, request and response schemas)
// over a real CeremonyService and RunManager, with the events the window would receive kept
// in order. Create it after any SoftHSM token and environment the service must see.
import { invokeChannel } from '../../src/shared/channels';
import type { EventName, InvokeName } from '../../src/shared/channels';
import type { Envelope, RequestOf, ResponseOf } from '../../src/shared/contract';
import type { IpcError } from '../../src/shared/contract-results';
import { createEmitter } from '../../src/main/ipc/events';
import { createHandlers } from '../../src/main/ipc/handlers';
import { registerContract } from '../../src/main/ipc/register';
import type { IpcMainLike } from '../../src/main/ipc/register';
import { RunManager } from '../../src/main/service/run-manager';
import type { InvokeEventLike } from '../../src/main/ipc/sender';
import { CeremonyService } from '../../src/main/service/ceremony-service';
import type { CeremonyServiceOptions } from '../../src/main/service/ceremony-service';

export interface IpcHarness {
  service: CeremonyService;
  /** Every event sent to the window, oldest first. */
  sent: { name: EventName; payload: unknown }[];
  /** What the contract and the emitter logged: a passing test expects none. */
  problems: unknown[];
  /** The envelope a channel answers, as the preload receives it. */
  answer<K extends InvokeName>(name: K, request: RequestOf<K>): Promise<Envelope<ResponseOf<K>>>;
  /** The value of a successful answer; a refusal throws with its code and message. */
  invoke<K extends InvokeName>(name: K, request: RequestOf<K>): Promise<ResponseOf<K>>;
  /** The error of a refusal; a successful answer throws. */
  refusal<K extends InvokeName>(name: K, request: RequestOf<K>): Promise<IpcError>;
}

/** `options`: what the app's service is made with (e.g. the config of --config / OLOCUS_CONFIG). */
export function ipcHarness(options: CeremonyServiceOptions = {}): IpcHarness {
  const service = new CeremonyService(options);
  const channels = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  const ipcMain: IpcMainLike = {
    handle: (c, l) => void channels.set(c, l),
    removeHandler: () => {},
  };
  const sent: IpcHarness['sent'] = [];
  const problems: unknown[] = [];
  const runs = new RunManager(
    createEmitter(
      (channel, payload) =>
        sent.push({ name: channel.replace('olocus:event:', '') as EventName, payload }),
      (...args) => problems.push(args),
    ),
    { ledgerPollMs: 20 },
  );
  registerContract(ipcMain, createHandlers(service, runs), { log: (...a) => problems.push(a) });
  const frame = { url: 'app://olocus/index.html' };
  const event = { senderFrame: frame, sender: { mainFrame: frame } };

  async function answer<K extends InvokeName>(
    name: K,
    request: RequestOf<K>,
  ): Promise<Envelope<ResponseOf<K>>> {
    return (await channels.get(invokeChannel(name))!(event, request)) as Envelope<ResponseOf<K>>;
  }
  async function invoke<K extends InvokeName>(
    name: K,
    request: RequestOf<K>,
  ): Promise<ResponseOf<K>> {
    const a = await answer(name, request);
    if (!a.ok) throw new Error(`${name}: ${a.error.code} ${a.error.message}`);
    return a.value;
  }
  async function refusal<K extends InvokeName>(name: K, request: RequestOf<K>) {
    const a = await answer(name, request);
    if (a.ok) throw new Error(`${name} answered ${JSON.stringify(a.value).slice(0, 200)}`);
    return a.error;
  }
  return { service, sent, problems, answer, invoke, refusal };
}
