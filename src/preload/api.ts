// `window.olocus`, built by walking the contract's channel lists: one method per request
// channel, one `on…` subscription per event. No raw ipcRenderer, no invoke(channel): the page
// can reach exactly the channels the contract names, each with one argument, and listeners
// receive the payload only (never Electron's event, whose `sender` is the ipcRenderer).
//
// Imports only channel names (no zod): a sandboxed preload can require nothing but electron,
// so everything it uses is bundled, and the smaller that is, the better.
import {
  EVENT_NAMES,
  INVOKE_NAMES,
  eventChannel,
  invokeChannel,
  subscriberName,
} from '../shared/channels';
import type { OlocusApi } from '../shared/olocus-api';

/** The part of Electron's ipcRenderer the API uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function buildApi(ipc: IpcRendererLike): OlocusApi {
  // An ordinary object: contextBridge copies it, functions and all, into the page's world.
  const api: Record<string, unknown> = {};
  for (const name of INVOKE_NAMES) {
    const channel = invokeChannel(name);
    // Exactly one argument goes across whatever the caller passes; main refuses anything else.
    api[name] = (request: unknown) => ipc.invoke(channel, request);
  }
  for (const name of EVENT_NAMES) {
    const channel = eventChannel(name);
    api[subscriberName(name)] = (listener: unknown) => {
      if (typeof listener !== 'function')
        throw new TypeError(`${subscriberName(name)} needs a function`);
      const wrapped = (_event: unknown, payload: unknown) => {
        (listener as (p: unknown) => void)(payload);
      };
      ipc.on(channel, wrapped);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, wrapped);
      };
    };
  }
  return Object.freeze(api) as unknown as OlocusApi;
}
