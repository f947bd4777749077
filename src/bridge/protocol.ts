// The bridge's wire format, one JSON object per WebSocket message.
//   page → bridge: { t: 'invoke', id, name, args }   (args: always one request, as over IPC)
//   bridge → page: { t: 'result', id, envelope }      (the same Envelope IPC answers with)
//                  { t: 'event', channel, payload }   (the same channel names as IPC events)
import { z } from 'zod';

export const BRIDGE_PREFIX = '/__olocus/';
export const BRIDGE_SCRIPT_PATH = `${BRIDGE_PREFIX}bridge.js`;
export const BRIDGE_WS_PATH = `${BRIDGE_PREFIX}ws`;

/** The frame only; the request inside `args` goes through the contract like an IPC payload. */
export const invokeMessage = z.strictObject({
  t: z.literal('invoke'),
  id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  name: z.string().max(64),
  args: z.array(z.unknown()).max(8),
});
export type InvokeMessage = z.output<typeof invokeMessage>;

/** The largest message a page may send: LIMITS.chars of text, in UTF-8, with room for JSON. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
