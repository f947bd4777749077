// The worker thread of verify-parallel.ts: checks the second half of a ledger and reports.
import { parentPort, workerData } from 'node:worker_threads';
import { checkSegment, type SegmentReport, type SegmentTask } from './verify-segment';

checkSegment(workerData as SegmentTask).then(
  (report) => parentPort!.postMessage(report),
  (e: unknown) => parentPort!.postMessage({ ok: false, why: String(e) } satisfies SegmentReport),
);
