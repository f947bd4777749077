// The IPC contract's runs (contract.ts): a ceremony, rehearsal, demo or drill reports progress
// and asks the room (a share, a witness, a passphrase, a card hand-over); these are the shapes
// of its status, of the questions it leaves open, and of every event main sends the window.
import { z } from 'zod';
import type { EventName } from './channels';
import { batchFinishedEvent, batchProgressEvent } from './contract-batch';
import {
  demoSummary,
  drillSummary,
  ipcError,
  rehearsalSummary,
  runSummary,
} from './contract-results';
import { ledgerRecordHeader } from './contract-wizard';

const id = z.uuid();

export const RUN_KINDS = ['ceremony', 'rehearsal', 'demo', 'drill'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export const RUN_STATES = ['running', 'finished', 'failed', 'cancelled'] as const;

const shareRequestFields = {
  secretId: z.string(),
  purpose: z.string(),
  custodians: z.array(z.string()),
  presented: z.array(z.string()),
  need: z.number(),
  refused: z.string().optional(),
};
const witnessRequestFields = {
  stepId: z.string(),
  title: z.string(),
  statement: z.string(),
  witnesses: z.array(z.string()),
};
const passphraseRequestFields = {
  /** `seal`: the officer chooses one as their card is printed; `unseal`: types it to present. */
  reason: z.enum(['seal', 'unseal']),
  secretId: z.string(),
  custodian: z.string().nullable(),
};

const cardRequestFields = {
  /** Relative to the run directory; the file's bytes never cross to the window. */
  card: z.string(),
  custodian: z.string(),
  sha256: z.string(),
  index: z.number(),
  total: z.number(),
  /** How it was printed in this session (outlet and job), or null while it is not. */
  printed: z.string().nullable(),
};

/** A question the room has not answered yet, as runStatus lists it (for a reloaded window). */
const openRequest = z.discriminatedUnion('ask', [
  z.object({ ask: z.literal('share'), requestId: id, ...shareRequestFields }),
  z.object({ ask: z.literal('witness'), requestId: id, ...witnessRequestFields }),
  z.object({ ask: z.literal('passphrase'), requestId: id, ...passphraseRequestFields }),
  z.object({ ask: z.literal('card'), requestId: id, ...cardRequestFields }),
]);
export type OpenRequest = z.output<typeof openRequest>;

const runStatusBase = {
  runId: id,
  state: z.enum(RUN_STATES),
  error: ipcError.optional(),
  open: z.array(openRequest),
};
export const runStatus = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ceremony'), ...runStatusBase, result: runSummary.optional() }),
  z.object({ kind: z.literal('rehearsal'), ...runStatusBase, result: rehearsalSummary.optional() }),
  z.object({ kind: z.literal('demo'), ...runStatusBase, result: demoSummary.optional() }),
  z.object({ kind: z.literal('drill'), ...runStatusBase, result: drillSummary.optional() }),
]);

export const started = z.object({ runId: id });
export const accepted = z.object({ accepted: z.literal(true) });

export const events = {
  runProgress: z.object({
    runId: id,
    stepId: z.string().nullable(),
    kind: z.enum(['progress', 'result', 'refused', 'warning']),
    message: z.string(),
  }),
  /** A record's header as it lands in the ledger; `data` stays in the file (read it there). */
  runLedgerAppended: z.object({ runId: id, ...ledgerRecordHeader }),
  runShareNeeded: z.object({ runId: id, requestId: id, ...shareRequestFields }),
  runWitnessNeeded: z.object({ runId: id, requestId: id, ...witnessRequestFields }),
  runPassphraseNeeded: z.object({ runId: id, requestId: id, ...passphraseRequestFields }),
  /** Cards printed: where each custodian's card PDF is, relative to the run directory. */
  runCardsIssued: z.object({
    runId: id,
    cards: z.array(z.object({ secretId: z.string(), custodian: z.string(), card: z.string() })),
  }),
  /** A question is no longer open: answered, timed out, or the run was cancelled. */
  runRequestClosed: z.object({
    runId: id,
    requestId: id,
    reason: z.enum(['answered', 'timeout', 'cancelled']),
  }),
  /** A card still in the run directory at its end: print it, confirm receipt, or keep it. */
  runCardHandOver: z.object({ runId: id, requestId: id, ...cardRequestFields }),
  /** The run ended; runStatus has its result or error. */
  runFinished: z.object({ runId: id, state: z.enum(RUN_STATES) }),
  /** A batch's counts (at most a few a second); signBatchStatus has the same and the manifest. */
  batchProgress: batchProgressEvent,
  batchFinished: batchFinishedEvent,
} as const satisfies Record<EventName, z.ZodType>;
