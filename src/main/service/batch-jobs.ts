// Batch signing for the app: a batch runs in the background (signBatch of the service, with its
// journal, resume and manifest), its counts reach the window as batchProgress events (a few a
// second, and the last one always), and signBatchStatus gives its state and, once it ended, the
// signed manifest. Several batches may run at once, each into its own output directory.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { ResultOf } from '../../shared/contract';
import { MANIFEST_ROWS } from '../../shared/contract-batch';
import type { BatchProgress } from '../cluster/index';
import type { EmitEvent } from './emit-event';
import { toIpcError } from './error-result';
import type { SignBatchRequest, SignBatchResult } from './groups';

type Status = ResultOf<'signBatchStatus'>;
type Progress = Status['progress'];

export interface BatchStartRequest {
  key: string;
  inDir: string;
  outDir: string;
  maxBatchSize?: number;
  maxConcurrentBatches?: number;
}

interface Manifest {
  group: string;
  key: string;
  fingerprint: { value: string };
  algorithm: string;
  entries: { file: string; sha256: string; signatureFile: string; member: string | null }[];
}

/** Events at most this often while a batch runs (the last count is always sent). */
const PROGRESS_EVERY_MS = 100;
const KEEP_FINISHED = 20;

export class BatchJobs {
  private readonly jobs = new Map<string, Status>();
  private readonly outDirs = new Set<string>();

  constructor(
    private readonly signBatch: (r: SignBatchRequest) => Promise<SignBatchResult>,
    private readonly emit: EmitEvent,
  ) {}

  start(r: BatchStartRequest): { batchId: string } {
    const outDir = resolve(r.outDir);
    // The journal makes one writer per directory safe; two at once would race for the same files.
    if (this.outDirs.has(outDir)) {
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `A batch is already signing into ${outDir}; let it finish before starting another there.`,
      );
    }
    const batchId = randomUUID();
    const status: Status = {
      batchId,
      key: r.key,
      state: 'running',
      progress: { total: 0, done: 0, signed: 0, kept: 0, file: null, member: null },
    };
    this.jobs.set(batchId, status);
    this.outDirs.add(outDir);
    let last = 0;
    const send = (p: Progress, force: boolean) => {
      status.progress = p;
      const now = Date.now();
      if (!force && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      this.emit('batchProgress', { batchId, ...p });
    };
    const onProgress = (p: BatchProgress) =>
      send(
        { ...p, file: p.file ?? null, member: p.member ?? null },
        p.done === p.total || p.done === 0,
      );
    const limits = {
      ...(r.maxBatchSize !== undefined ? { maxBatchSize: r.maxBatchSize } : {}),
      ...(r.maxConcurrentBatches !== undefined
        ? { maxConcurrentBatches: r.maxConcurrentBatches }
        : {}),
    };
    void this.signBatch({ key: r.key, dir: r.inDir, outDir, limits, onProgress })
      .then((result) => {
        status.result = summarize(result);
        status.state = 'finished';
      })
      .catch((e: unknown) => {
        status.error = toIpcError(e);
        status.state = 'failed';
      })
      .finally(() => {
        this.outDirs.delete(outDir);
        send(status.progress, true);
        this.emit('batchFinished', { batchId, state: status.state as 'finished' | 'failed' });
        this.forgetOld();
      });
    return { batchId };
  }

  status(batchId: string): Status {
    const s = this.jobs.get(batchId);
    if (!s) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `No batch ${batchId} was started in this session.`,
      );
    }
    return s;
  }

  private forgetOld(): void {
    const ended = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const j of ended.slice(0, Math.max(0, ended.length - KEEP_FINISHED))) {
      this.jobs.delete(j.batchId);
    }
  }
}

function summarize(r: SignBatchResult): NonNullable<Status['result']> {
  const m = JSON.parse(readFileSync(r.manifest, 'utf8')) as Manifest;
  return {
    outDir: r.outDir,
    manifest: r.manifest,
    manifestSha256: r.manifestSha256,
    alreadyComplete: r.alreadyComplete,
    group: m.group,
    keyLabel: m.key,
    fingerprint: m.fingerprint.value,
    algorithm: m.algorithm,
    entries: m.entries.slice(0, MANIFEST_ROWS).map((e) => ({
      file: e.file,
      sha256: e.sha256,
      signatureFile: e.signatureFile,
      member: e.member,
    })),
    entryCount: m.entries.length,
    members: r.members.map((x) => ({ name: x.name, signed: x.signed, fractionOfWork: x.share })),
  };
}
