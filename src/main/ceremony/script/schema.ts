// The ceremony script: one reviewed YAML file in, one run out (as boulder's cmd/ceremony).
// Strict: an unknown key is an error, so a typo cannot silently drop a safeguard.
import { z } from 'zod';
import { closestMatch } from '../../config/util';
import { KEY_TYPES } from '../../hsm/types';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');
const person = z.string().trim().min(1).max(80);
const label = z.string().min(1).max(64);
const witness = z.enum(['required', 'optional', 'none']).default('none');

const common = {
  id,
  title: z.string().min(1).max(160).optional(),
  witness,
};

export const tokenInitializeStep = z.strictObject({
  ...common,
  type: z.literal('token.initialize'),
  /** Where the token is created: the first uninitialised slot unless a slot id is given. */
  slot_id: z.string().regex(/^\d+$/).optional(),
  audit_key: z
    .strictObject({
      label: label.default('olocus-audit'),
      type: z.enum(['ec-p256', 'ec-p384']).default('ec-p256'),
    })
    .default({ label: 'olocus-audit', type: 'ec-p256' }),
});

export const keyGenerateStep = z.strictObject({
  ...common,
  type: z.literal('key.generate'),
  key: z.strictObject({ label, type: z.enum(KEY_TYPES) }),
  /** Ceremony keys stay in the HSM; `backup: true` lets them leave only wrapped, for key.backup. */
  policy: z.strictObject({ backup: z.boolean().default(false) }).default({ backup: false }),
});

export const selfSignedStep = z.strictObject({
  ...common,
  type: z.literal('certificate.self_signed'),
  key: label,
  subject: z.string().min(3).max(512),
  validity_days: z.number().int().min(1).max(36525),
  ca: z.boolean().default(true),
  path_length: z.number().int().min(0).max(10).optional(),
});

export const csrStep = z.strictObject({
  ...common,
  type: z.literal('certificate.csr'),
  key: label,
  subject: z.string().min(3).max(512),
});

export const keyBackupStep = z.strictObject({
  ...common,
  type: z.literal('key.backup'),
  keys: z.array(label).min(1),
  kek: z.strictObject({ label }),
});

export const keyRestoreStep = z.strictObject({
  ...common,
  type: z.literal('key.restore'),
  backup: z.string().min(1),
  keys: z.array(label).min(1),
});

export const witnessCheckpointStep = z.strictObject({
  ...common,
  type: z.literal('witness.checkpoint'),
  statement: z.string().min(1).max(1000),
});

/**
 * A key moves to a named target HSM by wrapped export/import, proven there before anything else.
 * `key` is a label, or `{ label, class }` when the script wants to say which half it means.
 */
export const transferStep = z.strictObject({
  ...common,
  type: z.literal('transfer'),
  key: z.union([label, z.strictObject({ label, class: z.enum(['private', 'secret', 'public']) })]),
  /** A name under `targets:`. */
  to: id,
  wrap: z.enum(['rsa-aes-kwp', 'kwp']).default('rsa-aes-kwp'),
  /**
   * For kwp: `backup:` names the KEK of an earlier key.backup step, rebuilt from the officers'
   * shares; `label:` names a KEK already on both tokens.
   */
  kek: z.union([z.strictObject({ backup: label }), z.strictObject({ label })]).optional(),
  destroy_source: z.boolean().default(false),
  /** The officers who approve destroying the source; they present their shares to do so. */
  approved_by: z.array(person).optional(),
});

/**
 * Files signed with a ceremony key, each pinned by the SHA-256 the reviewers saw (a set of CSRs,
 * pre-signed responses). A file whose digest differs is refused before anything is signed.
 * Paths are absolute or relative to the directory that holds the run directory.
 */
export const signBatchStep = z.strictObject({
  ...common,
  type: z.literal('sign.batch'),
  key: label,
  files: z
    .array(
      z.strictObject({
        path: z.string().min(1),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, "the file's SHA-256 as 64 lower-case hex digits"),
      }),
    )
    .min(1)
    .max(100000),
});

/**
 * The next version of a key family (docs/lifecycle.md), made under the quorum's login: `key` is
 * the family, its primary (`root@latest`) or a plain key taken in as version 1.
 */
export const keyRotateStep = z.strictObject({
  ...common,
  type: z.literal('key.rotate'),
  key: label,
  reason: z.string().min(1).max(200).default('scheduled rotation'),
  /** The signed key inventory; default `keys-inventory.json` in the run directory. */
  inventory: z.string().min(1).optional(),
});

/** Steps whose operations live in their own modules (attestation, report). */
export const hookStep = z.strictObject({
  ...common,
  type: z.enum(['attest', 'report']),
  with: z.record(z.string(), z.unknown()).default({}),
});

export const STEP_TYPES = [
  'token.initialize',
  'key.generate',
  'certificate.self_signed',
  'certificate.csr',
  'key.backup',
  'key.restore',
  'witness.checkpoint',
  'transfer',
  'sign.batch',
  'key.rotate',
  'attest',
  'report',
] as const;

export const stepSchema = z.discriminatedUnion(
  'type',
  [
    tokenInitializeStep,
    keyGenerateStep,
    selfSignedStep,
    csrStep,
    keyBackupStep,
    keyRestoreStep,
    witnessCheckpointStep,
    transferStep,
    signBatchStep,
    keyRotateStep,
    hookStep,
  ],
  {
    error: (iss) => {
      const got = (iss.input as { type?: unknown } | undefined)?.type;
      const near = typeof got === 'string' ? closestMatch(got, STEP_TYPES) : undefined;
      return `unknown step type ${JSON.stringify(got)}${near ? ` (did you mean "${near}"?)` : ''}; the step types are ${STEP_TYPES.join(', ')}.`;
    },
  },
);

export const scriptSchema = z.strictObject({
  version: z.literal(1),
  ceremony: z.strictObject({
    id,
    name: z.string().min(1).max(160),
    location: z.string().min(1).max(160),
  }),
  /**
   * The ceremony token. What the URI leaves out (even the whole section) comes from the
   * hsm-config.yaml the run is given (--config, the app's config); the URI's attributes win.
   */
  hsm: z.strictObject({ uri: z.string().startsWith('pkcs11:') }).default({ uri: 'pkcs11:' }),
  /**
   * Other HSMs a transfer step may move keys to, by name. Each URI names its module, its token
   * and where its user PIN comes from (pin-source=file:… or env:…), never the PIN itself.
   */
  targets: z.record(id, z.strictObject({ uri: z.string().startsWith('pkcs11:') })).default({}),
  roles: z.strictObject({
    administrator: person,
    officers: z.array(person).min(1).max(255),
    witnesses: z.array(person).default([]),
    auditor: person.optional(),
  }),
  quorum: z.strictObject({ threshold: z.number().int().min(1).max(255) }),
  /**
   * Leave the share card PDFs in the run directory when the run finishes (the report and the
   * ledger say so). By default every card is printed, handed over and destroyed first.
   */
  keep_cards: z.boolean().default(false),
  steps: z.array(stepSchema).min(1),
});

export type CeremonyScript = z.output<typeof scriptSchema>;
export type Step = CeremonyScript['steps'][number];
export type StepType = Step['type'];
export type TransferStep = Extract<Step, { type: 'transfer' }>;
