// Response schemas of the service's results that the first channels return (tokens, keys,
// configuration and script checks, the audit check, run and drill summaries), and the error
// every answer may carry. contract.ts names the channels; this file says what comes back.
// Responses strip unknown fields, and no field is named like a secret
// (test/unit/contract-secrets.test.ts walks every response through the contract).
import { z } from 'zod';
import { ErrorCode } from './errors';
import { isSecretName } from './secret-names';

export const ipcError = z.object({
  code: z.enum(ErrorCode),
  message: z.string(),
  ckr: z.string().optional(),
});
export type IpcError = z.output<typeof ipcError>;

// ─── Service results (responses) ────────────────────────────────────────────────────────────

const mechanismInfo = z.object({
  type: z.number(),
  name: z.string(),
  minKeySize: z.number(),
  maxKeySize: z.number(),
  flags: z.array(z.string()),
});

const tokenInfo = z.object({
  slotId: z.string(),
  slotDescription: z.string(),
  label: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  serial: z.string(),
  hardwareVersion: z.string(),
  firmwareVersion: z.string(),
  flags: z.array(z.string()),
  initialized: z.boolean(),
  loginRequired: z.boolean(),
  userPinLocked: z.boolean(),
  soPinLocked: z.boolean(),
  sessionCount: z.object({ open: z.number().nullable(), max: z.number().nullable() }),
  mechanisms: z.array(mechanismInfo).optional(),
});

export const tokensResult = z.object({
  modules: z.array(
    z.object({
      module: z.object({
        cryptokiVersion: z.string(),
        manufacturer: z.string(),
        description: z.string(),
        libraryVersion: z.string(),
        path: z.string(),
        name: z.string().nullable(),
        vendor: z.string().nullable(),
      }),
      tokens: z.array(tokenInfo),
    }),
  ),
  unavailable: z.array(
    z.object({ name: z.string().nullable(), path: z.string(), error: ipcError }),
  ),
});

const nullableBool = z.boolean().nullable();
const keyInfo = z.object({
  label: z.string(),
  id: z.string(),
  class: z.enum(['private', 'public', 'secret']),
  type: z.string(),
  sizeBits: z.number().nullable(),
  curve: z.string().nullable(),
  spkiSha256: z.string().nullable(),
  /** The same SPKI SHA-256 in PGP words (space separated), as the room reads it aloud. */
  spkiWords: z.string().nullable(),
  kcv: z.string().nullable(),
  provenance: z.object({
    local: nullableBool,
    neverExtractable: nullableBool,
    alwaysSensitive: nullableBool,
    extractable: nullableBool,
    sensitive: nullableBool,
  }),
  usage: z.object({
    sign: z.boolean(),
    verify: z.boolean(),
    encrypt: z.boolean(),
    decrypt: z.boolean(),
    wrap: z.boolean(),
    unwrap: z.boolean(),
    derive: z.boolean(),
  }),
  token: z.boolean(),
  uri: z.string(),
});

export const keysResult = z.object({
  token: tokenInfo.pick({
    label: true,
    serial: true,
    manufacturer: true,
    model: true,
    slotId: true,
  }),
  loggedIn: z.boolean(),
  keys: z.array(keyInfo),
});

export const generatedKey = z.object({
  key: keyInfo,
  uri: z.string(),
  /** PGP words of `key.spkiSha256`, repeated here beside the fingerprint; null for a secret key. */
  spkiWords: z.string().nullable(),
  fingerprint: z.object({ kind: z.enum(['spki-sha256', 'kcv']), value: z.string() }).nullable(),
});

/**
 * The effective HSM configuration is the one free-form result: nested sections of scalars. The
 * service already redacts it; this schema drops any key named like a secret again, at every
 * depth, so the contract does not depend on that.
 */
export type EffectiveValue =
  string | number | boolean | string[] | { [key: string]: EffectiveValue };
function dropSecretKeys(section: Record<string, EffectiveValue>): Record<string, EffectiveValue> {
  const out: Record<string, EffectiveValue> = {};
  for (const [k, v] of Object.entries(section)) if (!isSecretName(k)) out[k] = v;
  return out;
}
const effectiveValue: z.ZodType<EffectiveValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), redactedSection]),
);
/** The only record (free-form keys) in any response; the secrets test allows exactly this one. */
export const redactedSectionRecord = z.record(z.string(), effectiveValue);
const redactedSection = redactedSectionRecord.transform(dropSecretKeys);

export const configCheckResult = z.object({
  file: z.string(),
  config: redactedSection,
  effects: z.array(z.object({ key: z.string(), effect: z.string() })).default([]),
  unused: z.array(z.string()).default([]),
  yaml: z.string(),
  warnings: z.array(z.string()),
});

/** The hsm-config.yaml the app uses now: where it came from, its token, and its check. */
export const activeConfigResult = z.object({
  /** `startup`: --config / OLOCUS_CONFIG; `file` or `pasted`: chosen in the app. */
  source: z.enum(['none', 'startup', 'file', 'pasted']),
  /** The file's path, or a name for pasted text; null when none is in force. */
  file: z.string().nullable(),
  /** The token it names, as the URI a request without one means (no PIN, only its source). */
  tokenUri: z.string().nullable(),
  check: configCheckResult.nullable(),
});

export const scriptCheckResult = z.object({
  file: z.string(),
  sha256: z.string(),
  plan: z.object({
    ceremony: z.object({ id: z.string(), name: z.string(), location: z.string() }),
    hsm: z.string(),
    /** Second HSMs a transfer step may move keys to (PKCS#11 URIs; PINs only by pin-source). */
    targets: z.array(z.object({ name: z.string(), uri: z.string() })),
    quorum: z.string(),
    participants: z.object({
      administrator: z.string(),
      officers: z.array(z.string()),
      witnesses: z.array(z.string()),
      auditor: z.string().optional(),
    }),
    steps: z.array(
      z.object({
        number: z.number(),
        id: z.string(),
        type: z.string(),
        title: z.string(),
        actions: z.array(z.string()),
        needsQuorum: z.boolean(),
        witness: z.enum(['required', 'optional', 'none']),
      }),
    ),
  }),
  planText: z.string(),
});

export const verifyAuditResult = z.object({
  ok: z.boolean(),
  records: z.number(),
  head: z.string(),
  headWords: z.string(),
  signaturesChecked: z.number(),
  lastSignedSeq: z.number().nullable(),
  unsignedTail: z.number(),
  ceremonyId: z.string().nullable(),
  auditKey: z
    .object({
      algorithm: z.string(),
      spki: z.string(),
      fingerprint_sha256: z.string(),
      fingerprint_words: z.string(),
    })
    .nullable(),
  bytes: z.number(),
  firstBad: z
    .object({
      seq: z.number().nullable(),
      line: z.number(),
      reason: z.string(),
      message: z.string(),
    })
    .optional(),
  tornTail: z
    .object({ line: z.number(), offset: z.number(), bytes: z.number(), keptRecords: z.number() })
    .optional(),
  /** Whether the ledger ends with ceremony.finished and a head signature over it. */
  completeness: z.object({
    complete: z.boolean(),
    lastSeq: z.number().nullable(),
    lastType: z.string().nullable(),
    message: z.string(),
  }),
  requireComplete: z.boolean(),
  source: z.object({
    kind: z.enum(['ledger', 'run-directory', 'report']),
    path: z.string(),
    ledger: z.string(),
  }),
  /** What pins the audit key (a given fingerprint, the run's report or manifest) or that nothing does. */
  anchor: z.object({
    kind: z.enum(['key-fingerprint', 'report', 'manifest', 'none']),
    pinned: z.boolean(),
    failed: z.boolean(),
    keyFingerprint: z.string().nullable(),
    message: z.string(),
  }),
});

export const runSummary = z.object({
  dir: z.string(),
  ceremonyId: z.string(),
  status: z.literal('finished'),
  ledger: z.object({
    path: z.string(),
    records: z.number(),
    head: z.string(),
    headWords: z.string(),
  }),
  keys: z.array(
    z.object({
      label: z.string(),
      type: z.string(),
      spkiSha256: z.string().nullable(),
      spkiWords: z.string().nullable(),
    }),
  ),
  outputs: z.array(z.string()),
});

/**
 * A rehearsal's result. The service calls the folder of the program-played officers' shares
 * `playedShares`; here it is `playedSharesPath`, because it is a path and every field named
 * like a secret is kept out of responses.
 */
export const rehearsalSummary = runSummary.extend({
  softhsmConf: z.string(),
  playedSharesPath: z.string(),
});
export const demoSummary = rehearsalSummary.extend({ demoSecretsPath: z.string() });

export const drillSummary = z.object({
  dir: z.string(),
  secretId: z.string(),
  report: z.object({
    ok: z.boolean(),
    recoverable: z.boolean(),
    custodians: z.array(
      z.object({ custodian: z.string(), ok: z.boolean(), reason: z.string().optional() }),
    ),
    reconstructions: z.array(z.object({ custodians: z.array(z.string()), ok: z.boolean() })),
    verdict: z.string(),
  }),
  file: z.string(),
  signed: z.boolean(),
});
