// The names of every IPC channel, with no schema attached. The sandboxed preload imports only
// this file, so it stays a few hundred bytes with no dependency (a sandboxed preload can
// require nothing but `electron`); contract.ts keys its schemas by the same names and the
// type checker refuses a name without a schema or a schema without a name.

/** Renderer → main requests, each answered once (ipcRenderer.invoke / ipcMain.handle). */
export const INVOKE_NAMES = [
  'tokens',
  'listKeys',
  'generateKey',
  'checkConfig',
  'validateScript',
  'verifyAudit',
  'startCeremony',
  'startRehearsal',
  'startDemo',
  'startDrill',
  'runStatus',
  'cancelRun',
  'presentShare',
  'signOff',
  'givePassphrase',
  'appInfo',
  'recentRuns',
  'readLedger',
  'hsmHealth',
  'migrateKey',
  'attestKey',
  'verifyReport',
  'verifyManifest',
  'openPath',
  'cloudInventory',
  'useConfig',
  'activeConfig',
  'queryAudit',
  'groupStatus',
  'liveHealth',
  'signBatchStart',
  'signBatchStatus',
  'printCard',
  'confirmCardReceipt',
  'keyInventory',
  'keysDue',
  'disableKeyVersion',
  'scheduleKeyDestroy',
] as const;
export type InvokeName = (typeof INVOKE_NAMES)[number];

/** Main → renderer events: progress, the ledger growing, and the room's questions. */
export const EVENT_NAMES = [
  'runProgress',
  'runLedgerAppended',
  'runShareNeeded',
  'runWitnessNeeded',
  'runPassphraseNeeded',
  'runCardsIssued',
  'runRequestClosed',
  'runFinished',
  'batchProgress',
  'batchFinished',
  'runCardHandOver',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** One prefix for everything we register, so nothing collides with Electron's own channels. */
export const invokeChannel = <K extends InvokeName>(name: K): `olocus:${K}` => `olocus:${name}`;
export const eventChannel = <K extends EventName>(name: K): `olocus:event:${K}` =>
  `olocus:event:${name}`;

/** `runProgress` → `onRunProgress`: the preload's subscription method for an event. */
export type SubscriberName<K extends EventName> = `on${Capitalize<K>}`;
export const subscriberName = <K extends EventName>(name: K): SubscriberName<K> =>
  `on${name.charAt(0).toUpperCase()}${name.slice(1)}` as SubscriberName<K>;
