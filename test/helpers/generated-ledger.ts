// A ledger of known content, written straight to a file (not through Ledger.append, which
// fsyncs each record): lifecycle events about a few keys, one record every 90 seconds from
// 2026-01-01, the head signed by a software P-256 key every `signEvery` records. The events are
// returned too, so a test can count by hand what a query must find.
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  EVENT_OPENED,
  EVENT_SIGNED,
  GENESIS_PREV,
  LEDGER_FORMAT,
  describeAuditKey,
  encodeRecord,
  headSignatureMessage,
  type LedgerEventType,
  type LedgerRecord,
} from '../../src/main/audit';

export const GENERATED_START = Date.parse('2026-01-01T00:00:00.000Z');
export const GENERATED_STEP_MS = 90_000;
export const GENERATED_KEYS = ['root-2026', 'issuing-a', 'issuing-b', 'audit', 'kek-1'] as const;

const hex = (i: number, salt: string): string =>
  Buffer.from(`${salt}:${i}`.padEnd(32, '.')).toString('hex').slice(0, 64).padEnd(64, '0');

/** The event of record `i` (i ≥ 1 and not a signature position): a fixed rotation of kinds. */
function eventFor(i: number): {
  type: LedgerEventType;
  step: string | null;
  data: Record<string, unknown>;
} {
  const label = GENERATED_KEYS[i % GENERATED_KEYS.length]!;
  switch (i % 6) {
    case 0:
      return {
        type: 'key.generated',
        step: null,
        data: { label, type: 'ec-p256', spki_sha256: hex(i, 'spki'), token: 'lifecycle' },
      };
    case 1:
      return {
        type: 'signature.created',
        step: null,
        data: {
          label,
          algorithm: 'ecdsa-sha256',
          data_sha256: hex(i, 'data'),
          signature_sha256: hex(i, 'sig'),
          outcome: 'signed',
        },
      };
    case 2:
      return {
        type: 'attestation.verdict',
        step: `attest-${i}`,
        data: { key: label, vendor: 'pkcs11', overall: 'pass', checks: [], notes: [] },
      };
    case 3:
      return { type: 'step.started', step: `step-${i}`, data: { title: `Step ${i}` } };
    case 4:
      return {
        type: 'key.migrated',
        step: null,
        data: { label, wrap: 'kwp', outcome: 'verified', target: { token: 'backup' } },
      };
    default:
      return { type: 'step.completed', step: `step-${i - 2}`, data: { ok: true } };
  }
}

export interface GeneratedLedger {
  records: LedgerRecord[];
  bytes: number;
}

/** Writes `count` records (record 0 and the signatures included) to `path`. */
export function writeGeneratedLedger(
  path: string,
  count: number,
  signEvery = 1000,
): GeneratedLedger {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const ceremonyId = 'lifecycle-generated';
  const lines: string[] = [];
  const records: LedgerRecord[] = [];
  let prev = GENESIS_PREV;
  const push = (r: {
    actor: string;
    step: string | null;
    type: string;
    data: Record<string, unknown>;
  }) => {
    const seq = lines.length;
    const { record, line } = encodeRecord({
      ...r,
      seq,
      prev,
      time: new Date(GENERATED_START + seq * GENERATED_STEP_MS).toISOString(),
    });
    lines.push(line);
    records.push(record);
    prev = record.hash;
  };
  push({
    actor: 'olocus-ceremony',
    step: null,
    type: EVENT_OPENED,
    data: {
      format: LEDGER_FORMAT,
      ceremony_id: ceremonyId,
      audit_key: describeAuditKey('ecdsa-p256-sha256', spki),
    },
  });
  while (lines.length < count) {
    const seq = lines.length;
    if (seq % signEvery === signEvery - 1 || seq === count - 1) {
      const message = headSignatureMessage(ceremonyId, seq - 1, prev);
      const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      push({
        actor: 'olocus-ceremony',
        step: null,
        type: EVENT_SIGNED,
        data: {
          algorithm: 'ecdsa-p256-sha256',
          head: prev,
          seq_signed: seq - 1,
          signature: signature.toString('base64'),
        },
      });
    } else {
      push({ actor: seq % 2 ? 'bob (crypto officer)' : 'alice (administrator)', ...eventFor(seq) });
    }
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, text);
  return { records, bytes: Buffer.byteLength(text) };
}
