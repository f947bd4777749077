// The shape of `window.olocus` as the renderer sees it: one method per contract channel, one
// subscription per contract event, all derived from the contract so that the three can never
// disagree. Types only: nothing here runs.
import type { EventName, InvokeName, SubscriberName } from './channels';
import type { Envelope, EventOf, RequestOf, ResponseOf } from './contract';

export type { Envelope, EventOf, IpcError, OpenRequest, RequestOf, ResponseOf } from './contract';
export type { EventName, InvokeName } from './channels';

/** Stops a subscription. */
export type Unsubscribe = () => void;

export type OlocusInvokeApi = {
  readonly [K in InvokeName]: (request: RequestOf<K>) => Promise<Envelope<ResponseOf<K>>>;
};

export type OlocusEventApi = {
  readonly [K in EventName as SubscriberName<K>]: (
    listener: (payload: EventOf<K>) => void,
  ) => Unsubscribe;
};

export type OlocusApi = OlocusInvokeApi & OlocusEventApi;

declare global {
  interface Window {
    /** Present in the Electron window (the preload puts it there) and in the browser bridge. */
    readonly olocus: OlocusApi;
  }
}
