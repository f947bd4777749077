// Response schemas of the wizard's lookups and checks (home screen, audit timeline, HSM health,
// transfer, attestation, report). The same rule holds as in contract-results.ts: responses strip
// unknown fields, and no field is named like a secret (test/unit/contract-secrets.test.ts walks
// these too, through the contract).
import { z } from 'zod';

const nullableBool = z.boolean().nullable();

// ─── Home screen ────────────────────────────────────────────────────────────────────────────

export const appInfoResult = z.object({
  version: z.string(),
  /** Where new runs go by default: OLOCUS_WORKSPACE, else ~/OlocusCeremonies (created). */
  workspace: z.string(),
  /** Ceremony scripts shipped with the app; `name` is the ceremony's name, `file` the file's. */
  bundledScripts: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      file: z.string(),
      ceremonyId: z.string().nullable(),
    }),
  ),
  /** `pkcs11:?module-path=…` of the SoftHSM module found on this machine, or null. */
  defaultHsmUri: z.string().nullable(),
});

export const RECENT_RUN_STATES = ['finished', 'unfinished', 'empty'] as const;

export const recentRunsResult = z.object({
  root: z.string(),
  runs: z.array(
    z.object({
      dir: z.string(),
      ceremonyId: z.string().nullable(),
      name: z.string().nullable(),
      state: z.enum(RECENT_RUN_STATES),
      /** `run`, `rehearsal` or `demo`, as the run's state file says; null when unreadable. */
      mode: z.string().nullable(),
      records: z.number(),
      startedAt: z.string().nullable(),
      lastEventTime: z.string().nullable(),
      /** The script the run keeps (script.yaml): what startCeremony resumes it with. */
      scriptPath: z.string().nullable(),
      /** report.pdf's path when the run has one. */
      report: z.string().nullable(),
      /** What could not be read (a damaged state file, a torn ledger line), or null. */
      problem: z.string().nullable(),
    }),
  ),
});

// ─── Audit timeline ─────────────────────────────────────────────────────────────────────────

/** A ledger record's header: what the timeline and the live run event show of each record. */
export const ledgerRecordHeader = {
  seq: z.number(),
  time: z.string(),
  actor: z.string(),
  step: z.string().nullable(),
  type: z.string(),
  hash: z.string(),
};

export const ledgerPageResult = z.object({
  path: z.string(),
  records: z.array(
    z.object({
      ...ledgerRecordHeader,
      /** One line describing the record's data, with any field named like a secret left out. */
      summary: z.string(),
    }),
  ),
  /** Records in the file (complete, readable lines), whatever page was asked for. */
  total: z.number(),
  /** The last record's hash, or null for an empty ledger. */
  head: z.string().nullable(),
  /** The same head in PGP words, as the room reads it aloud. */
  headWords: z.string().nullable(),
  /** Lines that could not be read as records (a torn tail, damage); verifyAudit says why. */
  unreadableLines: z.number(),
});

// ─── HSM health ─────────────────────────────────────────────────────────────────────────────

export const healthResult = z.object({
  ok: z.boolean(),
  provider: z.string(),
  latencyMs: z.number(),
  detail: z.string(),
  sessions: z
    .object({
      open: z.number(),
      idle: z.number(),
      busy: z.number(),
      max: z.number(),
      waiting: z.number(),
    })
    .nullable(),
  checkedAt: z.string(),
});

// ─── Transfer ───────────────────────────────────────────────────────────────────────────────

const provenance = z.object({
  local: nullableBool,
  neverExtractable: nullableBool,
  alwaysSensitive: nullableBool,
  extractable: nullableBool,
  sensitive: nullableBool,
});

const resolvedKwp = z.object({
  mechanism: z.int().min(0).max(0xffffffff),
  /** e.g. `CKM_AES_KEY_WRAP_KWP (0x210B)`. */
  name: z.string(),
  /** list: the standard 0x210B is listed; profile: the vendor profile names it; probe: a known-answer test agreed. */
  decidedBy: z.enum(['list', 'profile', 'probe']),
});

export const migrationResult = z.object({
  label: z.string(),
  class: z.enum(['private', 'secret']),
  type: z.string(),
  wrap: z.enum(['rsa-aes-kwp', 'kwp']),
  mechanisms: z.array(z.string()),
  /** The RFC 5649 mechanism number each side's module used, and how it was chosen. */
  kwp: z.object({ source: resolvedKwp, target: resolvedKwp }),
  oaepHash: z.enum(['sha256', 'sha1']).nullable(),
  oaepNote: z.string().nullable(),
  nativeRsaAes: z
    .object({
      source: z.boolean(),
      target: z.boolean(),
      used: z.literal(false),
      note: z.string(),
    })
    .nullable(),
  strength: z.object({ keyBits: z.number(), wrapBits: z.number(), belowKey: z.boolean() }),
  source: z.object({
    token: z.string(),
    uri: z.string(),
    spkiSha256: z.string().nullable(),
    kcv: z.string().nullable(),
  }),
  target: z.object({
    token: z.string(),
    uri: z.string(),
    spkiSha256: z.string().nullable(),
    kcv: z.string().nullable(),
    provenance,
  }),
  proof: z.object({
    method: z.enum(['spki+signature', 'signature', 'kcv', 'kwp-compare']),
    spkiMatch: nullableBool,
    signatureVerified: nullableBool,
    kcvMatch: nullableBool,
  }),
  sourceDestroyed: z.object({ approvedBy: z.array(z.string()) }).nullable(),
});

// ─── Attestation ────────────────────────────────────────────────────────────────────────────

const checkStatus = z.enum(['pass', 'fail', 'unknown']);

export const attestationVerdict = z.object({
  vendor: z.string(),
  subject: z.object({
    label: z.string().nullable(),
    uri: z.string().nullable(),
    fingerprint: z.string().nullable(),
  }),
  checks: z.array(z.object({ name: z.string(), status: checkStatus, evidence: z.string() })),
  boundPublicKey: z.object({ spkiSha256: z.string() }).nullable(),
  matchesCeremonyKey: nullableBool,
  validatedAt: z.string(),
  notes: z.array(z.string()),
  overall: checkStatus,
});

// ─── Report and manifest ────────────────────────────────────────────────────────────────────

export const reportVerification = z.object({
  ok: z.boolean(),
  failures: z.array(
    z.object({
      check: z.enum([
        'pdf',
        'signature',
        'coverage',
        'certificate-chain',
        'embedded-ledger',
        'ledger-head',
      ]),
      message: z.string(),
    }),
  ),
  signature: z
    .object({
      present: z.boolean(),
      subFilter: z.string().nullable(),
      byteRange: z.array(z.number()).nullable(),
      count: z.int(),
      unsignedTrailingBytes: z.int(),
      wholeDocument: z.boolean(),
      digestMatches: z.boolean(),
      signatureValid: z.boolean(),
      signingCertificateAttribute: z.boolean(),
      signingTime: z.string().nullable(),
      signer: z
        .object({
          subject: z.string(),
          issuer: z.string(),
          serial: z.string(),
          sha256: z.string(),
          spkiSha256: z.string(),
        })
        .nullable(),
      chain: z.object({
        kind: z.enum(['root-issued', 'self-signed', 'broken', 'none']),
        ok: z.boolean(),
        rootSha256: z.string().nullable(),
        message: z.string(),
      }),
      problems: z.array(z.string()),
    })
    .nullable(),
  /** What the signing certificate chains to, in words. */
  chainsTo: z.string(),
  givenRoot: z.object({ sha256: z.string(), subject: z.string() }).nullable(),
  ledger: z.object({
    present: z.boolean(),
    ok: z.boolean(),
    records: z.number(),
    head: z.string().nullable(),
    headWords: z.string().nullable(),
    auditKeySha256: z.string().nullable(),
    completeness: z.string().nullable(),
    firstBad: z.string().nullable(),
    rootIssuedAtSeq: z.number().nullable(),
  }),
  head: z.object({
    info: z.string().nullable(),
    xmp: z.string().nullable(),
    onCover: z.boolean(),
  }),
});

export const manifestVerification = z.object({
  ok: z.boolean(),
  failures: z.array(
    z.object({
      check: z.enum(['format', 'file-missing', 'file-hash', 'signature', 'ledger']),
      file: z.string().optional(),
      message: z.string(),
    }),
  ),
  files: z.number(),
  ceremonyId: z.string().nullable(),
  ledgerHead: z.string().nullable(),
});
