// The browser bridge (development and tests only; never part of the packaged app).
export { startBridge } from './server';
export type { Bridge, BridgeOptions } from './server';
export { BRIDGE_PROTOCOL, tokenProtocol } from './guard';
export { BRIDGE_SCRIPT_PATH, BRIDGE_WS_PATH } from './protocol';
