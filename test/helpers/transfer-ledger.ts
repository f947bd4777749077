// Shared by test/integration/transfer-ledger*.test.ts: a SoftHSM token as the CLI addresses it,
// key generation through the CLI, and reading a ledger the way an auditor would (JSONL, then
// verify-audit), with the checks every transfer ledger must pass.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LedgerRecord } from '../../src/main/audit/types';
import { runCli, type CliRun } from './cli';
import { createToken, SOFTHSM_MODULE, type TestToken } from './softhsm';

export interface CliToken {
  token: TestToken;
  pinFile: string;
  /** The token (for --hsm and migrate --to). */
  uri: string;
  /** A private key on it. */
  key: (label: string) => string;
}

export function cliToken(label: string, pin: string, dir: string): CliToken {
  const token = createToken(label, pin);
  const pinFile = join(dir, `${label}.pin`);
  writeFileSync(pinFile, token.userPin, { mode: 0o600 });
  const q = `module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
  return {
    token,
    pinFile,
    uri: `pkcs11:token=${label}?${q}`,
    key: (object) => `pkcs11:token=${label};object=${object};type=private?${q}`,
  };
}

/** Generates a key through the CLI and returns its SPKI SHA-256. */
export async function generateKey(
  t: CliToken,
  type: string,
  label: string,
  extractable: boolean,
  env?: Record<string, string>,
): Promise<string> {
  const r = await runCli(
    [
      'keys',
      'generate',
      '--hsm',
      t.uri,
      '--type',
      type,
      '--label',
      label,
      ...(extractable ? ['--extractable'] : []),
      '--json',
    ],
    env ? { env } : {},
  );
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { fingerprint: { value: string } }).fingerprint.value;
}

export async function labelsOn(t: CliToken): Promise<string[]> {
  const r = await runCli(['keys', 'list', '--hsm', t.uri, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label);
}

export function readLedger(path: string): LedgerRecord[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as LedgerRecord);
}

export function eventsOf(records: LedgerRecord[], type: string): LedgerRecord[] {
  return records.filter((r) => r.type === type);
}

/**
 * What must never be in a transfer ledger: the PINs, the pin-source paths, and anything shaped
 * like key bytes (a long base64 run) outside record 0's public audit key.
 */
export function expectNoSecrets(path: string, tokens: CliToken[]): void {
  const text = readFileSync(path, 'utf8');
  for (const t of tokens) {
    expect(text).not.toContain(t.token.userPin);
    expect(text).not.toContain(t.pinFile);
  }
  expect(text).not.toMatch(/pin-source|pin-value/);
  const long: string[] = [];
  const walk = (v: unknown): void => {
    // Standard base64 or base64url (not a resource name, which mixes "/" and "-"), not hex.
    const bytesLike = (s: string) =>
      (/^[A-Za-z0-9+/]{80,}={0,2}$/.test(s) || /^[A-Za-z0-9_-]{80,}$/.test(s)) &&
      !/^[0-9a-f]+$/.test(s);
    if (typeof v === 'string' && bytesLike(v)) long.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const r of readLedger(path).slice(1)) walk(r.data);
  expect(long).toEqual([]);
}

export interface AuditVerdict {
  ok: boolean;
  records: number;
  signaturesChecked: number;
  unsignedTail: number;
  auditKey: { fingerprint_sha256: string } | null;
  firstBad?: { seq: number | null; reason: string };
}

export async function verifyAudit(path: string): Promise<{ run: CliRun; verdict: AuditVerdict }> {
  const run = await runCli(['verify-audit', path, '--json']);
  return { run, verdict: JSON.parse(run.stdout) as AuditVerdict };
}
