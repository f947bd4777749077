// Main → renderer events go through their contract schema on the way out: a field the contract
// does not name (a raw Electron object, a share's text) is stripped, and an event that does
// not fit is dropped and logged rather than sent half-vetted.
import type { EmitEvent } from '../service/emit-event';
import { eventChannel } from '../../shared/channels';
import { events } from '../../shared/contract';

export type { EmitEvent } from '../service/emit-event';

/** `send` is webContents.send of the shell's window (or a test's spy). */
export function createEmitter(
  send: (channel: string, payload: unknown) => void,
  log: (...args: unknown[]) => void = console.error,
): EmitEvent {
  return (name, payload) => {
    const parsed = events[name].safeParse(payload);
    if (!parsed.success) {
      log(`olocus ipc: event ${name} does not fit the contract; not sent`, parsed.error.issues);
      return;
    }
    try {
      send(eventChannel(name), parsed.data);
    } catch (e) {
      // The window may be closing; the run goes on and its status stays queryable.
      log(`olocus ipc: event ${name} could not be sent`, e);
    }
  };
}
