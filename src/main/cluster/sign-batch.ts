// sign-batch: every input signed exactly once through an HSM group, a signature file per input,
// and a signed batch manifest (input SHA-256, signature, member). Before anything is signed the
// output directory is compared with the inputs and the journal: what is already there and
// verifies is kept, a different signature is refused, and a rerun after a crash signs only what
// is missing. Nothing is ever overwritten.
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { verifyWithSpki } from '../hsm/software-verify';
import type { SignAlgorithm } from '../hsm/types';
import { sha256Hex } from './batch-inputs';
import type { BatchInput } from './batch-inputs';
import { Journal, readJournal, writeNew } from './batch-journal';
import type { JournalEntry } from './batch-journal';
import { BatchSigner } from './batcher';
import type { BatchLimits } from './batcher';
import type { GroupSignResult, HsmGroup, MemberReport } from './group';

export const MANIFEST = 'batch-manifest.json';
export const MANIFEST_FORMAT = 'olocus-batch-manifest/1';

export interface BatchProgress {
  total: number;
  done: number;
  signed: number;
  /** Already in the output directory (verified) or restored from the journal. */
  kept: number;
  file?: string;
  member?: string | null;
}

export interface SignBatchOptions {
  group: HsmGroup;
  inputs: BatchInput[];
  outDir: string;
  limits: BatchLimits;
  algorithm?: SignAlgorithm;
  onProgress?: (p: BatchProgress) => void;
}

export interface BatchResult {
  outDir: string;
  manifest: string;
  manifestSha256: string;
  total: number;
  signed: number;
  kept: number;
  /** True when the manifest was already there: the batch had finished before. */
  alreadyComplete: boolean;
  members: MemberReport[];
}

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** The algorithm the provider uses by default for the key (what a signature is checked with). */
export function defaultAlgorithm(spki: Uint8Array): SignAlgorithm {
  const k = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (k.asymmetricKeyType === 'ed25519') return 'eddsa';
  if (k.asymmetricKeyType === 'rsa') return 'rsa-pkcs1-sha256';
  const curve = k.asymmetricKeyDetails?.namedCurve;
  return curve === 'secp384r1'
    ? 'ecdsa-sha384'
    : curve === 'secp521r1'
      ? 'ecdsa-sha512'
      : 'ecdsa-sha256';
}

function different(outDir: string, input: BatchInput, why: string): OlocusError {
  return invalid(
    `${join(outDir, input.out)} already holds a different signature for ${input.name} (${why}); sign-batch never overwrites: move it away or choose another --out-dir.`,
  );
}

interface Plan {
  entries: Map<string, JournalEntry>;
  restore: JournalEntry[];
  toSign: BatchInput[];
}

/** Compares inputs, journal and output directory; throws before anything is written. */
function plan(o: SignBatchOptions, spki: Uint8Array, alg: SignAlgorithm): Plan {
  const journal = readJournal(o.outDir);
  const p: Plan = { entries: new Map(), restore: [], toSign: [] };
  for (const input of o.inputs) {
    const j = journal.get(input.name);
    if (j && j.sha256 !== input.sha256) {
      throw invalid(
        `${input.name} changed after this batch signed it (SHA-256 then ${j.sha256}, now ${input.sha256}); sign the new content in another --out-dir.`,
      );
    }
    const sigPath = join(o.outDir, input.out);
    if (!existsSync(sigPath)) {
      if (j) p.restore.push(j);
      else p.toSign.push(input);
      if (j) p.entries.set(input.name, j);
      continue;
    }
    const bytes = readFileSync(sigPath);
    if (j) {
      if (bytes.toString('base64') !== j.signature) {
        throw different(o.outDir, input, 'not the one this batch made');
      }
      p.entries.set(input.name, j);
      continue;
    }
    const data = readFileSync(input.path);
    if (sha256Hex(data) !== input.sha256 || !verifyWithSpki(spki, alg, data, bytes)) {
      throw different(o.outDir, input, 'it does not verify with the group key');
    }
    p.entries.set(input.name, {
      file: input.name,
      sha256: input.sha256,
      signature: bytes.toString('base64'),
      algorithm: alg,
      member: null,
    });
  }
  return p;
}

function manifestBytes(
  o: SignBatchOptions,
  entries: Map<string, JournalEntry>,
  alg: string,
): Buffer {
  const fp = o.group.fingerprint;
  const doc = {
    format: MANIFEST_FORMAT,
    group: o.group.name,
    key: o.group.keyLabel,
    fingerprint: { kind: fp.kind, value: fp.value },
    publicKey: Buffer.from(fp.spki!).toString('base64'),
    algorithm: alg,
    entries: o.inputs.map((i) => {
      const e = entries.get(i.name)!;
      return {
        file: i.name,
        sha256: e.sha256,
        signatureFile: i.out,
        signature: e.signature,
        algorithm: e.algorithm,
        member: e.member,
      };
    }),
  };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
}

export async function signBatch(o: SignBatchOptions): Promise<BatchResult> {
  const spki = o.group.fingerprint.spki;
  if (!spki)
    throw invalid(`The key "${o.group.keyLabel}" is a secret key; sign-batch needs a key pair.`);
  const alg = o.algorithm ?? defaultAlgorithm(spki);
  mkdirSync(o.outDir, { recursive: true });
  const p = plan(o, spki, alg);
  // Half-written temporaries of a killed run (writeNew's names); never a finished output.
  for (const f of readdirSync(o.outDir)) {
    if (/^\..+\.\d+\.tmp$/.test(f)) unlinkSync(join(o.outDir, f));
  }
  const total = o.inputs.length;
  const manifestPath = join(o.outDir, MANIFEST);
  const progress: BatchProgress = { total, done: 0, signed: 0, kept: 0 };
  const result = (alreadyComplete: boolean, bytes: Buffer): BatchResult => ({
    outDir: o.outDir,
    manifest: manifestPath,
    manifestSha256: sha256Hex(bytes),
    total,
    signed: progress.signed,
    kept: progress.kept,
    alreadyComplete,
    members: o.group.report(),
  });

  if (existsSync(manifestPath)) {
    const expected = manifestBytes(o, p.entries, alg);
    const found = readFileSync(manifestPath);
    if (p.toSign.length > 0 || p.restore.length > 0 || !found.equals(expected)) {
      throw invalid(
        `${manifestPath} is the manifest of a finished batch that does not match these inputs; sign-batch never overwrites: choose another --out-dir.`,
      );
    }
    progress.kept = total;
    progress.done = total;
    if (!existsSync(`${manifestPath}.sig`)) {
      writeNew(o.outDir, `${MANIFEST}.sig`, (await o.group.sign(found, alg)).signature);
      return result(false, found);
    }
    return result(true, found);
  }

  for (const j of p.restore) {
    const input = o.inputs.find((i) => i.name === j.file)!;
    writeNew(o.outDir, input.out, Buffer.from(j.signature, 'base64'));
  }
  progress.kept = p.entries.size;
  progress.done = p.entries.size;
  o.onProgress?.({ ...progress });

  const journal = await Journal.open(o.outDir);
  const batcher = new BatchSigner<GroupSignResult>((d) => o.group.sign(d, alg), o.limits);
  let failure: unknown = null;
  const queue = [...p.toSign];
  const worker = async () => {
    for (let input = queue.shift(); input && !failure; input = queue.shift()) {
      try {
        const data = readFileSync(input.path);
        if (sha256Hex(data) !== input.sha256) {
          throw invalid(`${input.name} changed while the batch ran; nothing was signed for it.`);
        }
        const r = await batcher.submit(data);
        const entry: JournalEntry = {
          file: input.name,
          sha256: input.sha256,
          signature: Buffer.from(r.signature).toString('base64'),
          algorithm: r.algorithm,
          member: r.member,
        };
        await journal.add(entry);
        writeNew(o.outDir, input.out, r.signature);
        p.entries.set(input.name, entry);
        progress.signed++;
        progress.done++;
        o.onProgress?.({ ...progress, file: input.name, member: r.member });
      } catch (e) {
        failure ??= e;
      }
    }
  };
  const width = Math.max(1, o.limits.maxBatchSize * o.limits.maxConcurrentBatches);
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
  await batcher.flush();
  await journal.close();
  if (failure) {
    const why = failure instanceof OlocusError ? failure.message : String(failure);
    throw new OlocusError(
      failure instanceof OlocusError ? failure.code : ErrorCode.OPERATION_FAILED,
      `${why} The batch stopped after ${progress.done} of ${total} files; run the same command again to sign the rest (nothing signed is signed again).`,
      {
        ...(failure instanceof OlocusError && failure.ckr ? { ckr: failure.ckr } : {}),
        cause: failure,
      },
    );
  }
  const bytes = manifestBytes(o, p.entries, alg);
  writeNew(o.outDir, MANIFEST, bytes);
  writeNew(o.outDir, `${MANIFEST}.sig`, (await o.group.sign(bytes, alg)).signature);
  return result(false, bytes);
}
