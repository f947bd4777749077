// Error 100 retried, for real: a PKCS#11 module that forwards to SoftHSM and makes C_SignInit
// return CKR_DEVICE_ERROR (as a network HSM's client does when its link drops) on demand. With
// connection.retry_attempts from --config, a sign is tried again with backoff; when the fault
// outlasts the attempts the command gives up with a sentence, exit 3, each retry in --json, no
// signature written, and the key as it was.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { keysGenerate, tokenForCli } from '../helpers/cli-keys';
import { buildFaultyModule, faultyEnv } from '../helpers/faulty-module';

const work = mkdtempSync(join(tmpdir(), 'olocus-retry-device-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const t = tokenForCli('retry-device', '424242', work);
const data = join(work, 'data.txt');
writeFileSync(data, 'retry me');
let faulty: string;
let cfg: string;

interface Retry {
  attempt: number;
  of: number;
  code: number;
  ckr?: string;
}

beforeAll(async () => {
  faulty = buildFaultyModule(work);
  cfg = join(work, 'hsm-config.yaml');
  writeFileSync(
    cfg,
    [
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${faulty}`,
      `    token_label: ${t.token.label}`,
      `    pin_source: "file:${t.pinFile}"`,
      '  connection:',
      '    retry_attempts: 2',
      '    timeout: 1s',
      '',
    ].join('\n'),
  );
  const r = await runCli([...keysGenerate(t.tokenUri, 'ec-p256', 'device-key'), '--json']);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

async function keysNow(): Promise<string> {
  const r = await runCli(['keys', 'list', '--hsm', t.tokenUri, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const keys = (
    JSON.parse(r.stdout) as { keys: { label: string; class: string; spkiSha256?: string }[] }
  ).keys;
  return JSON.stringify(keys.map((k) => [k.label, k.class, k.spkiSha256]).sort());
}

describe('connection.retry_attempts after CKR_DEVICE_ERROR (error 100)', () => {
  it('a device error that passes is retried: the signature is written and verifies', async () => {
    const sig = join(work, 'once.sig');
    const r = await runCli(
      ['sign', '--config', cfg, '--key', 'device-key', '--in', data, '--out', sig, '--json'],
      { env: faultyEnv(1) },
    );
    expect(r.code, r.stderr).toBe(0);
    const retries = (JSON.parse(r.stdout) as { retries: Retry[] }).retries;
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, of: 2, code: 100, ckr: 'CKR_DEVICE_ERROR' });
    expect(r.stderr).toMatch(/HSM error 100, CKR_DEVICE_ERROR while .*; retry 1 of 2 in \d+ ms\./);
    const v = await runCli(['verify', '--key', t.keyUri('device-key'), '--in', data, '--sig', sig]);
    expect(v.code, v.stderr).toBe(0);
  }, 60_000);

  it('retries exhausted: exit 3, the sentence says it gave up, each retry in --json, nothing written, the key as before', async () => {
    const before = await keysNow();
    const sig = join(work, 'never.sig');
    const r = await runCli(
      ['sign', '--config', cfg, '--key', 'device-key', '--in', data, '--out', sig, '--json'],
      { env: faultyEnv('always') },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /error: HSM error 100 \(connection failed, CKR_DEVICE_ERROR\).*reported a device error .* Gave up after 2 retries \(connection\.retry_attempts\)\./,
    );
    const doc = JSON.parse(r.stdout) as { error: { code: number; ckr: string }; retries: Retry[] };
    expect(doc.error).toMatchObject({ code: 100, ckr: 'CKR_DEVICE_ERROR', exitCode: 3 });
    expect(doc.retries.map((x) => x.attempt)).toEqual([1, 2]);
    expect(existsSync(sig)).toBe(false);
    expect(await keysNow()).toBe(before);
    // The key still signs once the fault is gone.
    const ok = await runCli(['sign', '--key', t.keyUri('device-key'), '--in', data, '--out', sig]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(sig).length).toBeGreaterThan(0);
  }, 60_000);

  it('a device error with no retry_attempts fails at once with the same code', async () => {
    const plain = join(work, 'no-retry.yaml');
    writeFileSync(
      plain,
      readFileSync(cfg, 'utf8').replace('retry_attempts: 2', 'retry_attempts: 0'),
    );
    const sig = join(work, 'no-retry.sig');
    const r = await runCli(
      ['sign', '--config', plain, '--key', 'device-key', '--in', data, '--out', sig, '--json'],
      { env: faultyEnv(1) },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error: HSM error 100 .*CKR_DEVICE_ERROR/);
    expect(r.stderr).not.toMatch(/Gave up|retry 1/);
    expect(existsSync(sig)).toBe(false);
  }, 60_000);
});
