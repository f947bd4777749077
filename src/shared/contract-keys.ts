// The Keys screen's channels (docs/lifecycle.md): the families on a token with their versions,
// what is due, disabling a version, and scheduling a destruction under the quorum. Shares travel
// only in the scheduleKeyDestroy request; no response names one.
import { z } from 'zod';

const noNul = (s: string) => !s.includes('\0');
const text = (max: number) =>
  z.string().min(1).max(max).refine(noNul, 'must not contain a NUL character');
const uri = text(4096);
const person = z.string().trim().min(1).max(80).refine(noNul, 'must not contain a NUL character');
const nullableText = z.string().nullable();

export const VERSION_STATE_NAMES = [
  'primary',
  'enabled',
  'disabled',
  'destroy-scheduled',
  'destroyed',
] as const;

const recording = {
  /** The signed inventory (default: keys/<token serial>.json in the workspace). */
  inventory: text(4096).optional(),
  /** A hash-chained ledger to append the change to (created if absent). */
  ledger: text(4096).optional(),
  reason: text(512).optional(),
};

export const keyInventoryRequest = z.strictObject({
  /** The token; without it, the token of the hsm-config.yaml in force. */
  hsmUri: uri.optional(),
  inventory: text(4096).optional(),
});

export const keysDueRequest = z.strictObject({
  hsmUri: uri.optional(),
  inventory: text(4096).optional(),
  /** How far ahead to look, in days; default each family's notification_advance. */
  withinDays: z.int().min(0).max(3650).optional(),
});

export const disableKeyVersionRequest = z.strictObject({ keyUri: uri, ...recording });

export const scheduleKeyDestroyRequest = z.strictObject({
  /** The version: its URI, or the family's with object=FAMILY@N. */
  keyUri: uri,
  /** The ceremony run whose officers approve (it split the token's PIN). */
  runDir: text(4096),
  shares: z
    .array(
      z.strictObject({
        text: text(16_384),
        presentedBy: person.optional(),
        passphrase: text(1024).optional(),
      }),
    )
    .min(1)
    .max(32),
  delayDays: z.int().min(0).max(3650).optional(),
  inventory: recording.inventory,
  ledger: recording.ledger,
});

const dueItem = z.object({
  family: z.string(),
  version: z.number(),
  label: z.string(),
  action: z.enum(['rotate', 'disable', 'destroy']),
  dueAt: z.string(),
  overdue: z.boolean(),
  message: z.string(),
});

export const keysDueResult = z.object({
  now: z.string(),
  withinMs: z.number().nullable(),
  families: z.number(),
  items: z.array(dueItem),
  overdue: z.number(),
  inventory: z.string(),
});

const versionRecord = {
  version: z.number(),
  label: z.string(),
  id: z.string(),
  type: z.string(),
  class: z.enum(['private', 'secret']),
  spkiSha256: nullableText,
  kcv: nullableText,
  state: z.enum(VERSION_STATE_NAMES),
  createdAt: z.string(),
  adopted: z.boolean(),
  primarySince: nullableText,
  replacedAt: nullableText,
  overlapEndsAt: nullableText,
  disabledAt: nullableText,
  destroyScheduledAt: nullableText,
  destroyAfter: nullableText,
  destroyedAt: nullableText,
};

const versionView = z.object({
  ...versionRecord,
  token: z.object({ start: nullableText, end: nullableText }).nullable(),
  uri: nullableText,
  attestation: z
    .object({ overall: z.enum(['pass', 'fail', 'unknown']), detail: nullableText })
    .nullable(),
});

export const keyInventoryResult = z.object({
  token: z.object({ serial: z.string(), uri: z.string() }),
  inventory: z.string(),
  now: z.string(),
  families: z.array(
    z.object({
      family: z.string(),
      policy: z.object({
        rotationIntervalDays: z.number(),
        overlapDays: z.number(),
        maxVersions: z.number(),
        notificationAdvanceDays: z.number(),
      }),
      versions: z.array(versionView),
      due: z.array(dueItem),
    }),
  ),
  due: keysDueResult,
});

const ledgerSummary = z
  .object({ path: z.string(), appended: z.number(), head: z.string() })
  .nullable();

export const retireResult = z.object({
  family: z.string(),
  version: z.object(versionRecord),
  inventory: z.string(),
  ledger: ledgerSummary,
});

export const scheduleKeyDestroyResult = retireResult.extend({
  approval: z.object({
    approvedBy: z.array(z.string()),
    ceremonyId: z.string(),
    threshold: z.number(),
    total: z.number(),
    refused: z.array(z.object({ custodian: z.string().nullable(), reason: z.string() })),
  }),
});
