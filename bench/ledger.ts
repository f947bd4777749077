// Audit ledger verification against the floor of reading and hashing the same bytes: the real
// `sha256sum` binary on the same file, in the same run. 100,000 ceremony-like events with a
// P-256 chain signature every 1,000 records.
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  EVENT_OPENED,
  EVENT_SIGNED,
  GENESIS_PREV,
  LEDGER_FORMAT,
  describeAuditKey,
  encodeRecord,
  headSignatureMessage,
  verifyLedger,
  type UnhashedRecord,
} from '../src/main/audit';

const RECORDS = Number(process.env.BENCH_LEDGER_RECORDS ?? 100_000);
const SIGN_EVERY = 1_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const run$ = promisify(execFile);

const hex = (seed: number): string => createHash('sha256').update(String(seed)).digest('hex');

const ACTORS = ['alice (ceremony administrator)', 'bob (crypto officer)', 'carol (witness)'];

/** Event data of the sizes and shapes the ceremony engine writes. */
function eventFor(i: number): { type: string; step: string | null; data: Record<string, unknown> } {
  const step = `step-${String(Math.floor(i / 40)).padStart(4, '0')}`;
  switch (i % 8) {
    case 0:
      return {
        type: 'step.started',
        step,
        data: { title: 'Generate the root key', witness: 'required' },
      };
    case 1:
      return {
        type: 'key.generated',
        step,
        data: {
          label: `root-${i}`,
          key_type: 'ec-p384',
          id: hex(i).slice(0, 16),
          spki_sha256: hex(i + 1),
          provenance: { local: true, never_extractable: true, always_sensitive: true },
          uri: `pkcs11:token=root;object=root-${i};type=public`,
        },
      };
    case 2:
      return {
        type: 'share.committed',
        step,
        data: { custodian: `custodian-${i % 5}`, index: i % 5, commitment_sha256: hex(i) },
      };
    case 3:
      return {
        type: 'witness.confirmed',
        step,
        data: { witness: 'carol', statement: 'Fingerprint read aloud and matched.' },
      };
    case 4:
      return {
        type: 'hsm.session',
        step: null,
        data: { token: 'root', slot: '1', serial: 'a1b2c3d4e5f60718', latency_ms: i % 97 },
      };
    case 5:
      return {
        type: 'certificate.issued',
        step,
        data: {
          serial: hex(i).slice(0, 32),
          subject: 'CN=Olocus Root CA 2026,O=Olocus',
          not_after: '2046-01-01T00:00:00Z',
        },
      };
    case 6:
      return {
        type: 'artifact.written',
        step,
        data: { file: `artifacts/root-${i}.pem`, sha256: hex(i + 2), bytes: 1200 + (i % 300) },
      };
    default:
      return { type: 'step.completed', step, data: { ok: true, duration_ms: 1000 + (i % 5000) } };
  }
}

/** Builds the file directly (not through Ledger.append, which fsyncs each record). */
function buildLedger(path: string): number {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const ceremonyId = 'bench-2026-root';
  const lines: string[] = [];
  let prev = GENESIS_PREV;
  let t = Date.parse('2026-03-01T09:00:00.000Z');
  const push = (r: Omit<UnhashedRecord, 'seq' | 'prev' | 'time'>): void => {
    const { record, line } = encodeRecord({
      ...r,
      seq: lines.length,
      prev,
      time: new Date((t += 137)).toISOString(),
    });
    lines.push(line);
    prev = record.hash;
  };
  push({
    actor: ACTORS[0]!,
    step: null,
    type: EVENT_OPENED,
    data: {
      format: LEDGER_FORMAT,
      ceremony_id: ceremonyId,
      audit_key: describeAuditKey('ecdsa-p256-sha256', spki),
    },
  });
  while (lines.length < RECORDS) {
    if (lines.length % SIGN_EVERY === SIGN_EVERY - 1) {
      const seqSigned = lines.length - 1;
      const message = headSignatureMessage(ceremonyId, seqSigned, prev);
      const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      push({
        actor: ACTORS[1]!,
        step: null,
        type: EVENT_SIGNED,
        data: {
          algorithm: 'ecdsa-p256-sha256',
          head: prev,
          seq_signed: seqSigned,
          signature: signature.toString('base64'),
        },
      });
    } else {
      push({ actor: ACTORS[lines.length % 3]!, ...eventFor(lines.length) });
    }
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'olocus-bench-ledger-'));
  try {
    const path = join(dir, 'audit.jsonl');
    let t0 = performance.now();
    const bytes = buildLedger(path);
    console.log(
      `ledger benchmark: ${RECORDS} records, ${(bytes / 1e6).toFixed(1)} MB, built in ${((performance.now() - t0) / 1000).toFixed(1)} s; median of ${ROUNDS} runs each`,
    );
    const verifyMs: number[] = [];
    const shaMs: number[] = [];
    await run$('sha256sum', [path]); // warm the page cache for both
    for (let i = 0; i < ROUNDS; i++) {
      t0 = performance.now();
      const result = await verifyLedger(path);
      verifyMs.push(performance.now() - t0);
      if (
        !result.ok ||
        result.records !== RECORDS ||
        result.signaturesChecked !== Math.floor(RECORDS / SIGN_EVERY)
      ) {
        throw new Error(
          `benchmark ledger did not verify: ${JSON.stringify(result.firstBad ?? result)}`,
        );
      }
      t0 = performance.now();
      await run$('sha256sum', [path]);
      shaMs.push(performance.now() - t0);
    }
    const v = median(verifyMs);
    const s = median(shaMs);
    console.log(
      `${'verifyLedger (hash chain + 100 P-256 signatures)'.padEnd(52)} ${v.toFixed(1).padStart(8)} ms`,
    );
    console.log(`${'sha256sum (same file, spawned)'.padEnd(52)} ${s.toFixed(1).padStart(8)} ms`);
    console.log(`${'file size'.padEnd(52)} ${bytes.toString().padStart(8)} bytes`);
    console.log(`ratio ledger.verify_vs_sha256sum ${(v / s).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
