// Batch signing in the app (docs/cluster.md, sign-batch): start a batch through an HSM group or a
// key, follow its progress as events, and read its signed manifest when it ends. Paths and keys
// are the renderer's text; the service checks them as the CLI does.
import { z } from 'zod';
import { ipcError } from './contract-results';

const text = (max = 4096) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !s.includes('\0'), 'must not contain a NUL character');

export const signBatchStartRequest = z.strictObject({
  /** group:NAME/LABEL (the config's cluster section), or a key URI (a group of one). */
  key: text(),
  /** Every regular file of this directory is signed. */
  inDir: text(),
  /** Where NAME.sig, batch-manifest.json and its signature go; a rerun resumes. */
  outDir: text(),
  maxBatchSize: z.int().min(1).max(10000).optional(),
  maxConcurrentBatches: z.int().min(1).max(64).optional(),
});

export const BATCH_STATES = ['running', 'finished', 'failed'] as const;

const progress = z.object({
  total: z.number(),
  done: z.number(),
  signed: z.number(),
  kept: z.number(),
  file: z.string().nullable(),
  member: z.string().nullable(),
});

/** At most this many manifest entries travel to the window; the file holds them all. */
export const MANIFEST_ROWS = 500;

export const signBatchStatusResult = z.object({
  batchId: z.uuid(),
  key: z.string(),
  state: z.enum(BATCH_STATES),
  progress,
  error: ipcError.optional(),
  result: z
    .object({
      outDir: z.string(),
      manifest: z.string(),
      manifestSha256: z.string(),
      alreadyComplete: z.boolean(),
      group: z.string(),
      keyLabel: z.string(),
      fingerprint: z.string(),
      algorithm: z.string(),
      entries: z.array(
        z.object({
          file: z.string(),
          sha256: z.string(),
          signatureFile: z.string(),
          member: z.string().nullable(),
        }),
      ),
      /** Entries in the manifest (entries above stop at MANIFEST_ROWS). */
      entryCount: z.number(),
      members: z.array(
        z.object({ name: z.string(), signed: z.number(), fractionOfWork: z.number() }),
      ),
    })
    .optional(),
});

export const batchProgressEvent = z.object({ batchId: z.uuid(), ...progress.shape });
export const batchFinishedEvent = z.object({
  batchId: z.uuid(),
  state: z.enum(['finished', 'failed']),
});
