// Batch signing through the IPC contract, over two real SoftHSM tokens holding the same key:
// signBatchStart answers at once, batchProgress events count up to the total, batchFinished
// ends it and signBatchStatus gives the manifest. A second batch into a directory being written,
// an unknown batch, a malformed request and an output directory holding another signature are
// each refused with their sentence, and nothing is overwritten.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHsmConfig } from '../../src/main/config/index';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import type { EventOf } from '../../src/shared/contract';
import { groupTokens } from '../helpers/group-tokens';
import { ipcHarness } from '../helpers/ipc-harness';
import type { IpcHarness } from '../helpers/ipc-harness';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const g = groupTokens(['ipcb-1', 'ipcb-2']);
let anchor: Pkcs11Provider;
let h: IpcHarness;
const KEY = 'group:signers/k';
const inDir = join(g.work, 'in');

beforeAll(async () => {
  anchor = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: 'ipcb-1' } });
  const key = makeKeyPair('ec-p256');
  for (const t of ['ipcb-1', 'ipcb-2']) importKeyPair(t, '314159', 'k', key);
  const { config } = parseHsmConfig(
    [
      'hsm:',
      '  provider: softhsm',
      'cluster:',
      '  name: signers',
      `  primary: "${g.uris[0]}"`,
      `  backups: ["${g.uris[1]}"]`,
    ].join('\n'),
    'c.yaml',
    { machineChecks: false },
  );
  h = ipcHarness({ config });
  mkdirSync(inDir);
  for (let i = 0; i < 200; i++) writeFileSync(join(inDir, `f-${i}.txt`), `file ${i}\n`);
});
afterAll(async () => {
  await h.service.close();
  await anchor.close();
});

async function finished(batchId: string): Promise<EventOf<'batchFinished'>> {
  for (let i = 0; i < 3000; i++) {
    const e = h.sent.find(
      (x) => x.name === 'batchFinished' && (x.payload as { batchId: string }).batchId === batchId,
    );
    if (e) return e.payload as EventOf<'batchFinished'>;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the batch did not finish');
}

describe('signBatchStart / signBatchStatus', () => {
  it('signs 200 files: progress counts up to the total, the status holds the manifest; a second batch into the same directory meanwhile is refused', async () => {
    const outDir = join(g.work, 'out');
    const { batchId } = await h.invoke('signBatchStart', { key: KEY, inDir, outDir });
    const again = await h.refusal('signBatchStart', { key: KEY, inDir, outDir });
    expect(again.code).toBe(106);
    expect(again.message).toContain(`A batch is already signing into ${outDir}`);
    expect((await finished(batchId)).state).toBe('finished');
    const progress = h.sent
      .filter((x) => x.name === 'batchProgress')
      .map((x) => x.payload as EventOf<'batchProgress'>)
      .filter((p) => p.batchId === batchId);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ total: 200, done: 200, signed: 200, kept: 0 });
    const dones = progress.map((p) => p.done);
    expect([...dones].sort((a, b) => a - b)).toEqual(dones);
    // Throttled: far fewer events than files.
    expect(progress.length).toBeLessThan(100);

    const s = await h.invoke('signBatchStatus', { batchId });
    expect(s.state).toBe('finished');
    const onDisk = JSON.parse(readFileSync(join(outDir, 'batch-manifest.json'), 'utf8')) as {
      entries: { file: string; member: string }[];
    };
    expect(s.result!.entryCount).toBe(200);
    expect(s.result!.entries.map((e) => [e.file, e.member])).toEqual(
      onDisk.entries.map((e) => [e.file, e.member]),
    );
    // 200 files and the manifest's own signature.
    expect(s.result!.members.reduce((n, m) => n + m.signed, 0)).toBe(201);
    expect(s.result!.members.map((m) => m.name)).toEqual(['ipcb-1', 'ipcb-2']);
    expect(JSON.stringify(s)).not.toContain('pin-source');
  });

  it('an output directory holding another signature: the batch fails with the sentence, the file is untouched', async () => {
    const outDir = join(g.work, 'taken');
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'f-7.txt.sig'), 'not a signature');
    const { batchId } = await h.invoke('signBatchStart', { key: KEY, inDir, outDir });
    expect((await finished(batchId)).state).toBe('failed');
    const s = await h.invoke('signBatchStatus', { batchId });
    expect(s.error?.code).toBe(108);
    expect(s.error?.message).toContain('already holds a different signature for f-7.txt');
    expect(s.result).toBeUndefined();
    expect(readFileSync(join(outDir, 'f-7.txt.sig'), 'utf8')).toBe('not a signature');
  });

  it('an unknown batch and a malformed request are refused with 108', async () => {
    const unknown = await h.refusal('signBatchStatus', {
      batchId: '8a0c2f6e-5d0b-4f5e-9a51-0f3f7f1d2c3b',
    });
    expect(unknown.code).toBe(108);
    expect(unknown.message).toContain('No batch 8a0c2f6e-5d0b-4f5e-9a51-0f3f7f1d2c3b');
    const bad = await h.refusal('signBatchStart', { key: '', inDir, outDir: join(g.work, 'x') });
    expect(bad.code).toBe(108);
  });
});
