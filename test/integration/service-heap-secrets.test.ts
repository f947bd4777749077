// After a demo run in this process, the heap holds none of its secrets: a V8 heap snapshot is
// searched for the token PINs and for pieces of every share text the run issued. The secrets
// are read from the demo's own files as bytes, so the search itself puts no string of them on
// the heap. The PKCS#11 worker threads have heaps of their own: each is snapshotted as the demo
// closes it (the executor's retire hook) and searched for the same secrets.
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/main/ceremony/demo';
import { runReporting } from '../../src/main/report/run-reporting';
import { setPkcs11WorkerRetireHook } from '../../src/main/hsm/pkcs11/executor';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-heap-'));
afterAll(() => {
  setPkcs11WorkerRetireHook(null);
  rmSync(work, { recursive: true, force: true });
});

/** The bytes between `"text":"` and the next `"` of a played-share JSON file, as a Buffer. */
function shareTextBytes(file: Buffer): Buffer {
  const start = file.indexOf('"text":"') + 8;
  return file.subarray(start, file.indexOf('"', start));
}

/** 19-character pieces of each line of groups: what an officer types, as V8 would store it. */
function pieces(text: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 19 <= text.length;) {
    const nl = text.indexOf('\\n', at);
    const end = nl < 0 ? text.length : nl;
    if (end - at >= 19) out.push(Buffer.from(text.subarray(at, at + 19)));
    if (nl < 0) break;
    at = nl + 2;
  }
  return out;
}

describe('no secret on the heap after a demo run', () => {
  it('holds neither PIN nor any piece of a share text', { timeout: 300_000 }, async () => {
    const dir = join(work, 'demo');
    const workerSnapshots: string[] = [];
    setPkcs11WorkerRetireHook(async (w: Worker) => {
      const file = join(work, `worker-${workerSnapshots.length}.heapsnapshot`);
      workerSnapshots.push(file);
      await pipeline(await w.getHeapSnapshot(), createWriteStream(file));
    });
    await runDemo(dir, runReporting);
    setPkcs11WorkerRetireHook(null);
    const secrets = join(dir, 'demo-secrets');
    const needles: { what: string; bytes: Buffer }[] = [];
    for (const pin of ['so-pin', 'user-pin'])
      needles.push({ what: pin, bytes: readFileSync(join(secrets, pin)) });
    const texts = readdirSync(join(secrets, 'shares')).map((f) => ({
      f,
      text: shareTextBytes(readFileSync(join(secrets, 'shares', f))),
    }));
    for (const { f, text } of texts) {
      // The first lines encode the public header (ceremony, secret, custodian): pieces that
      // another share also has are not secret, so only pieces unique to this share count.
      pieces(text).forEach((p, i) => {
        if (texts.every((o) => o.text === text || !o.text.includes(p)))
          needles.push({ what: `${f} line ${i + 1}`, bytes: p });
      });
      // The QR payload carries the same base32 without dashes and check characters; its end
      // (share bytes and checksum) is unique to this share.
      const body = Buffer.concat(
        text
          .toString('latin1')
          .split('\\n')
          .map((line) => Buffer.from(line.split('  ')[0]!.replaceAll('-', ''), 'latin1')),
      );
      needles.push({ what: `${f} QR form`, bytes: body.subarray(body.length - 24) });
    }
    expect(needles.length).toBeGreaterThan(20);
    // The control: one piece held as a string on purpose must be found, or the search is blind.
    const control = needles.find((n) => /line \d+$/.test(n.what))!;
    const held = { text: control.bytes.toString('latin1') };
    const snapshot = readFileSync(writeHeapSnapshot(join(work, 'after-demo.heapsnapshot')));
    const found = needles.filter((n) => snapshot.includes(n.bytes)).map((n) => n.what);
    expect(found).toEqual([control.what]);
    expect(held.text).toHaveLength(19);

    // The worker threads: every one the demo started was snapshotted before it stopped, and
    // none holds a PIN or a share piece. The module path each loaded is the control.
    expect(workerSnapshots.length).toBeGreaterThan(0);
    for (const file of workerSnapshots) {
      const heap = readFileSync(file);
      expect(heap.includes(Buffer.from(SOFTHSM_MODULE)), `${file} is searchable`).toBe(true);
      const inWorker = needles.filter((n) => heap.includes(n.bytes)).map((n) => n.what);
      expect(inWorker, file).toEqual([]);
    }
  });
});
