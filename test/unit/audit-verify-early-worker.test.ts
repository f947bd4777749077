// `audit query` starts the worker thread of a two-thread verification before it has loaded the
// command (src/main/audit/verify-start.ts), so its start-up overlaps the CLI's. The worker then
// gets its task by message: these check that a worker started early is the one the query uses
// and gives the same answer as one thread, and that none is started for what is not a large
// ledger or when no core is spare.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAuditFilter, queryLedger, recordMatcher } from '../../src/main/audit/query';
import { verifyInHalves } from '../../src/main/audit/verify-parallel';
import {
  earlyWorkerWaiting,
  endEarlyWorker,
  startEarlyWorker,
} from '../../src/main/audit/verify-start';
import type { LedgerRecord } from '../../src/main/audit/types';
import { writeGeneratedLedger } from '../helpers/generated-ledger';

let dir: string;
let path: string;
const filter = parseAuditFilter({ types: ['signature.created'] });
const always = { minBytes: 1, spare: () => true };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'olocus-early-worker-'));
  path = join(dir, 'audit.jsonl');
  writeGeneratedLedger(path, 2000, 500);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => endEarlyWorker());

describe('the worker started early', () => {
  it('is the one the two-thread verification takes, and the answer is the one-thread answer', async () => {
    startEarlyWorker(['--type', 'signature.created', path], always);
    expect(earlyWorkerWaiting()).toBe(true);
    const both = await verifyInHalves(
      path,
      statSync(path).size,
      { filter, limit: null },
      recordMatcher(filter),
      { record: (r) => r.record(), line: (l) => JSON.parse(l) as LedgerRecord },
    );
    expect(earlyWorkerWaiting()).toBe(false);
    expect(both).not.toBeNull();
    const one = await queryLedger(path, filter, { parallelFromBytes: Infinity });
    expect(both!.v).toMatchObject({ ok: true, records: 2000, head: one.verification.head });
    expect(both!.matched).toBe(one.matched);
    expect(both!.kept).toEqual(one.records);
  });

  it('is not started for a small or missing ledger, for flags, or without a spare core', () => {
    startEarlyWorker([path], { minBytes: statSync(path).size + 1, spare: () => true });
    startEarlyWorker([join(dir, 'nothing.jsonl'), '--json'], always);
    startEarlyWorker([dir.replace(/$/, '-gone')], always);
    startEarlyWorker([path], { minBytes: 1, spare: () => false });
    expect(earlyWorkerWaiting()).toBe(false);
    // A run folder names its audit.jsonl.
    startEarlyWorker([dir], always);
    expect(earlyWorkerWaiting()).toBe(true);
    endEarlyWorker();
    expect(earlyWorkerWaiting()).toBe(false);
  });
});
