// The script the bridge serves as /__olocus/bridge.js: it defines `window.olocus` in a plain
// browser with the same methods and `on…` subscriptions the preload builds (both walk the
// contract's channel lists; bridge.e2e.test.ts compares the two), speaking to the bridge over
// one WebSocket instead of ipcRenderer.
//
// It is plain ES2020 text rather than compiled TypeScript so that the bridge needs no bundler
// at run time; the channel names are filled in from channels.ts when it is served.
import { EVENT_NAMES, INVOKE_NAMES, eventChannel, subscriberName } from '../shared/channels';
import { ErrorCode } from '../shared/errors';
import { BRIDGE_PROTOCOL, tokenProtocol } from './guard';
import { BRIDGE_WS_PATH } from './protocol';

export function clientScript(): string {
  const invokeNames = JSON.stringify(INVOKE_NAMES);
  const events = JSON.stringify(EVENT_NAMES.map((n) => [subscriberName(n), eventChannel(n)]));
  const tokenPrefix = JSON.stringify(tokenProtocol(''));
  return `// Olocus browser bridge client (development and tests only; never in the packaged app).
(() => {
  'use strict';
  const INVOKE_NAMES = ${invokeNames};
  const EVENTS = ${events};
  const notConnected = (why) => ({
    ok: false,
    error: { code: ${ErrorCode.OPERATION_FAILED}, message: 'The browser bridge is not connected (' + why + '); open the address npm run dev:browser printed last (each address works once).' },
  });

  // The token arrives once, in the address fragment, and leaves the address bar at once.
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  const token = match ? match[1] : null;
  if (match) history.replaceState(null, '', location.pathname + location.search);

  const pending = new Map();
  const listeners = new Map();
  let nextId = 1;
  let closedReason = token ? null : 'no token in the address';
  let socket = null;
  const queue = [];

  const settleAll = (why) => {
    closedReason = why;
    for (const resolve of pending.values()) resolve(notConnected(why));
    pending.clear();
    queue.length = 0;
  };

  if (token) {
    socket = new WebSocket('ws://' + location.host + ${JSON.stringify(BRIDGE_WS_PATH)}, [
      ${JSON.stringify(BRIDGE_PROTOCOL)},
      ${tokenPrefix} + token,
    ]);
    socket.addEventListener('open', () => {
      for (const text of queue.splice(0)) socket.send(text);
    });
    socket.addEventListener('message', (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg && msg.t === 'result') {
        const resolve = pending.get(msg.id);
        if (resolve) {
          pending.delete(msg.id);
          resolve(msg.envelope);
        }
      } else if (msg && msg.t === 'event') {
        const set = listeners.get(msg.channel);
        if (set) for (const l of [...set]) {
          try {
            l(msg.payload);
          } catch (err) {
            console.error(err);
          }
        }
      }
    });
    socket.addEventListener('close', (e) => {
      settleAll(e.code === 1000 ? 'the bridge stopped' : 'the connection was refused or lost');
    });
  }

  const invoke = (name, request) => {
    if (closedReason) return Promise.resolve(notConnected(closedReason));
    return new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      // Exactly one argument goes across, as in the preload; JSON turns undefined into null.
      const text = JSON.stringify({ t: 'invoke', id, name, args: [request === undefined ? null : request] });
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    });
  };

  const api = {};
  for (const name of INVOKE_NAMES) api[name] = (request) => invoke(name, request);
  for (const [method, channel] of EVENTS) {
    api[method] = (listener) => {
      if (typeof listener !== 'function') throw new TypeError(method + ' needs a function');
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      // A wrapper per subscription, so one listener subscribed twice is called twice (as in the preload).
      const wrapped = (payload) => listener(payload);
      set.add(wrapped);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        set.delete(wrapped);
      };
    };
  }
  Object.defineProperty(window, 'olocus', {
    value: Object.freeze(api),
    writable: false,
    configurable: false,
    enumerable: true,
  });
})();
`;
}
