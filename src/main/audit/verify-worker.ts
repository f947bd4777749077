// The worker thread of verify-parallel.ts: waits for its task (it may be started before the
// query knows it needs it, verify-start.ts), checks the second half of a ledger and reports.
import { parentPort } from 'node:worker_threads';
import { checkSegment, type SegmentReport, type SegmentTask } from './verify-segment';

parentPort!.once('message', (task: SegmentTask) => {
  checkSegment(task).then(
    (report) => parentPort!.postMessage(report),
    (e: unknown) => parentPort!.postMessage({ ok: false, why: String(e) } satisfies SegmentReport),
  );
});
