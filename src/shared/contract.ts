// The IPC contract: for every channel, what the renderer may send (strict: an unknown key is
// refused) and what main answers (stripping: a field the contract does not name never leaves
// main, so a secret added to a service result by accident is dropped, not sent). Main parses
// both directions with these schemas; the renderer gets their types through olocus-api.ts.
//
// Secrets (share text, passphrases, PINs) appear only in requests. No response or event schema
// has a field named like one (test/unit/contract-secrets.test.ts walks them all).
import { KEY_TYPES } from './key-types';
import { z } from 'zod';
import type { EventName, InvokeName } from './channels';
import type { IpcError } from './contract-results';
import { accepted, runStatus, started } from './contract-runs';
import type { events } from './contract-runs';
import { groupStatusResult } from './contract-groups';
import { liveHealthRequest, liveHealthResult } from './contract-health';
import { signBatchStartRequest, signBatchStatusResult } from './contract-batch';
import {
  activeConfigResult,
  configCheckResult,
  generatedKey,
  keysResult,
  scriptCheckResult,
  tokensResult,
  verifyAuditResult,
} from './contract-results';
import {
  appInfoResult,
  attestationVerdict,
  healthResult,
  ledgerPageResult,
  manifestVerification,
  migrationResult,
  recentRunsResult,
  reportVerification,
} from './contract-wizard';
import { cloudInventoryRequest, cloudInventoryResult } from './contract-cloud';
import { auditQueryResult } from './contract-audit';
import {
  disableKeyVersionRequest,
  keyInventoryRequest,
  keyInventoryResult,
  keysDueRequest,
  keysDueResult,
  retireResult,
  scheduleKeyDestroyRequest,
  scheduleKeyDestroyResult,
} from './contract-keys';

// ─── Building blocks ────────────────────────────────────────────────────────────────────────

/** No string from the renderer needs more; a megabyte of text is refused before it is used. */
const MAX_TEXT = 4096;
const noNul = (s: string) => !s.includes('\0');
const nonEmpty = (max = MAX_TEXT) =>
  z.string().min(1).max(max).refine(noNul, 'must not contain a NUL character');

/** Filesystem paths and PKCS#11 URIs: non-empty, bounded, no NUL (which truncates in C). */
const path = nonEmpty();
const uri = nonEmpty();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');
const id = z.uuid();
/** A secret's id as the ceremony script names it (`token-pins`, a KEK label, …). */
const secretIdField = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : -');
/** readLedger pages: a page is what one screen of the timeline shows, and more. */
export const MAX_LEDGER_PAGE = 1000;
const person = z.string().trim().min(1).max(80).refine(noNul, 'must not contain a NUL character');

export const KEY_TYPE_NAMES = KEY_TYPES;

export { ipcError, redactedSectionRecord } from './contract-results';
export type { EffectiveValue, IpcError } from './contract-results';

// ─── Runs (contract-runs.ts) and the events main sends ────────────────────────────────────

export { events, RUN_KINDS, RUN_STATES } from './contract-runs';
export type { OpenRequest, RunKind } from './contract-runs';

// ─── The contract ───────────────────────────────────────────────────────────────────────────

interface ChannelSchemas {
  request: z.ZodType;
  response: z.ZodType;
}

export const contract = {
  tokens: {
    request: z.strictObject({ hsmUri: uri, mechanisms: z.boolean().optional() }),
    response: tokensResult,
  },
  listKeys: {
    // Without hsmUri: the token of the hsm-config.yaml the app was started with.
    request: z.strictObject({ hsmUri: uri.optional() }),
    response: keysResult,
  },
  generateKey: {
    request: z.strictObject({
      hsmUri: uri,
      type: z.enum(KEY_TYPE_NAMES),
      label: nonEmpty(256),
      extractable: z.boolean().optional(),
    }),
    response: generatedKey,
  },
  checkConfig: {
    request: z.strictObject({ path }),
    response: configCheckResult,
  },
  validateScript: {
    request: z.strictObject({ path }),
    response: scriptCheckResult,
  },
  verifyAudit: {
    request: z.strictObject({
      path,
      expectedHead: hex64.optional(),
      expectedKeyFingerprint: hex64.optional(),
      /** Default: true for a run directory or a report, false for a ledger file. */
      requireComplete: z.boolean().optional(),
    }),
    response: verifyAuditResult,
  },
  startCeremony: {
    /** `expect`: a rehearsal's transcript the run must match step by step. */
    request: z.strictObject({ scriptPath: path, dir: path, expect: path.optional() }),
    response: started,
  },
  startRehearsal: {
    request: z.strictObject({ scriptPath: path, dir: path }),
    response: started,
  },
  startDemo: {
    request: z.strictObject({ dir: path }),
    response: started,
  },
  startDrill: {
    request: z.strictObject({ dir: path, secretId: secretIdField.optional() }),
    response: started,
  },
  runStatus: {
    request: z.strictObject({ runId: id }),
    response: runStatus,
  },
  cancelRun: {
    request: z.strictObject({ runId: id }),
    response: z.object({ cancelled: z.boolean(), message: z.string() }),
  },
  presentShare: {
    /** `share: null`: no further officer can present one (the engine then stops the step). */
    request: z.strictObject({
      requestId: id,
      share: z.strictObject({ text: nonEmpty(16_384), presentedBy: person.optional() }).nullable(),
    }),
    response: accepted,
  },
  signOff: {
    /** `name: null`: no witness signs (a required step then stops). */
    request: z.strictObject({ requestId: id, name: person.nullable() }),
    response: accepted,
  },
  givePassphrase: {
    /** `passphrase: null`: seal without one, or (to unseal) none was typed. */
    request: z.strictObject({ requestId: id, passphrase: nonEmpty(1024).nullable() }),
    response: accepted,
  },

  // ─── The wizard's lookups and checks (response schemas in contract-wizard.ts) ──────────
  appInfo: {
    request: z.strictObject({}),
    response: appInfoResult,
  },
  recentRuns: {
    /** `root`: the folder whose run directories are listed; default the workspace. */
    request: z.strictObject({ root: path.optional() }),
    response: recentRunsResult,
  },
  readLedger: {
    /** `path`: an audit.jsonl, or a run directory holding one. */
    request: z.strictObject({
      path,
      fromSeq: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      limit: z.int().min(1).max(MAX_LEDGER_PAGE).optional(),
      /** The last `limit` records (from `fromSeq` on): the newest page of a long ledger. */
      fromEnd: z.boolean().optional(),
    }),
    response: ledgerPageResult,
  },
  hsmHealth: {
    request: z.strictObject({ hsmUri: uri.optional() }),
    response: healthResult,
  },
  migrateKey: {
    /** `destroySource`: who approved destroying the source key once the copy is proven. */
    request: z.strictObject({
      fromUri: uri,
      toUri: uri,
      wrap: z.enum(['rsa-aes-kwp', 'kwp']).optional(),
      kekLabel: nonEmpty(256).optional(),
      destroySource: z.array(person).min(1).max(32).optional(),
    }),
    response: migrationResult,
  },
  attestKey: {
    request: z.strictObject({
      keyUri: uri,
      acceptImported: z.boolean().optional(),
      expectedSpkiSha256: hex64.optional(),
    }),
    response: attestationVerdict,
  },
  verifyReport: {
    request: z.strictObject({ path }),
    response: reportVerification,
  },
  verifyManifest: {
    request: z.strictObject({ dir: path }),
    response: manifestVerification,
  },
  openPath: {
    /** A report, card or ledger file inside a run directory, opened in the desktop's viewer. */
    request: z.strictObject({ path }),
    response: z.object({ opened: z.boolean(), message: z.string() }),
  },
  cloudInventory: {
    /** Keys of an Azure vault or Cloud KMS key ring, or CloudHSM clusters (contract-cloud.ts). */
    request: cloudInventoryRequest,
    response: cloudInventoryResult,
  },
  useConfig: {
    /**
     * The hsm-config.yaml the app uses from now on, by path or as pasted text; checked as
     * `config check` does, and refused with the same errors (the one in force then stays).
     */
    request: z
      .strictObject({
        path: path.optional(),
        text: nonEmpty(65_536).optional(),
        /** What to call pasted text in its errors (default "pasted hsm-config.yaml"). */
        name: nonEmpty(256).optional(),
      })
      .refine((r) => (r.path === undefined) !== (r.text === undefined), {
        message: 'give the path of an hsm-config.yaml or its text, one of the two',
      })
      .refine((r) => r.name === undefined || r.text !== undefined, {
        message: 'name goes with pasted text only',
      }),
    response: activeConfigResult,
  },
  activeConfig: {
    request: z.strictObject({}),
    response: activeConfigResult,
  },
  queryAudit: {
    /**
     * `path`: an audit.jsonl or a run directory. `since`/`until`: RFC 3339 or a duration ago
     * (`7d`); `types`: catalogue names or a family (`key.*`); `key`: a key label. `limit`: the
     * newest matches returned (all are counted).
     */
    request: z.strictObject({
      path,
      since: nonEmpty(64).optional(),
      until: nonEmpty(64).optional(),
      types: z.array(nonEmpty(128)).max(64).optional(),
      key: nonEmpty(256).optional(),
      limit: z.int().min(1).max(MAX_LEDGER_PAGE).optional(),
    }),
    response: auditQueryResult,
  },
  groupStatus: {
    /** `key`: group:NAME/LABEL (the config's cluster section); `check`: run a health round first. */
    request: z.strictObject({
      key: z.string().regex(/^group:[A-Za-z0-9._-]{1,64}\/.{1,64}$/),
      check: z.boolean().optional(),
    }),
    response: groupStatusResult,
  },
  /** The HSM screen's live health: turn it on or off, choose what it watches, read it. */
  liveHealth: { request: liveHealthRequest, response: liveHealthResult },
  signBatchStart: {
    /** Starts a batch in the background; progress arrives as batchProgress events. */
    request: signBatchStartRequest,
    response: z.object({ batchId: id }),
  },
  signBatchStatus: {
    /** A batch's state, progress and, once it ended, its manifest (or the error). */
    request: z.strictObject({ batchId: id }),
    response: signBatchStatusResult,
  },

  // ─── The print-and-destroy dialog (service/card-handover.ts) ───────────────────────────
  printCard: {
    /** Main hands the asked card's file to the print outlet; the window never sees its bytes. */
    request: z.strictObject({ requestId: id }),
    response: z.object({ printed: z.string() }),
  },
  confirmCardReceipt: {
    /** The custodian's own name once they hold the printed card; null keeps the file. */
    request: z.strictObject({ requestId: id, receivedBy: person.nullable() }),
    response: accepted,
  },

  // ─── The Keys screen: key families on a token (contract-keys.ts) ────────────────────────
  keyInventory: { request: keyInventoryRequest, response: keyInventoryResult },
  keysDue: { request: keysDueRequest, response: keysDueResult },
  disableKeyVersion: { request: disableKeyVersionRequest, response: retireResult },
  /** Shares are handed to the quorum check once and disposed; the response names only who approved. */
  scheduleKeyDestroy: { request: scheduleKeyDestroyRequest, response: scheduleKeyDestroyResult },
} as const satisfies Record<InvokeName, ChannelSchemas>;

export type Contract = typeof contract;
export type Events = typeof events;
/** What the renderer passes (before defaults), and what main's handler receives (after). */
export type RequestOf<K extends InvokeName> = z.input<Contract[K]['request']>;
export type ParsedRequestOf<K extends InvokeName> = z.output<Contract[K]['request']>;
/** What a handler may return (before stripping), and what the renderer receives. */
export type ResultOf<K extends InvokeName> = z.input<Contract[K]['response']>;
export type ResponseOf<K extends InvokeName> = z.output<Contract[K]['response']>;
export type EventOf<K extends EventName> = z.output<Events[K]>;

/** Every answer is one of these; nothing is thrown across IPC. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: IpcError };
