// How the service's long runs report to a front: one event of the contract at a time. The IPC
// front (ipc/events.ts createEmitter) and the browser bridge check each against its schema.
import type { EventName } from '../../shared/channels';
import type { EventOf } from '../../shared/contract';

export type EmitEvent = <K extends EventName>(name: K, payload: EventOf<K>) => void;
