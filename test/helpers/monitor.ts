// `olocus-ceremony monitor` as an operator runs it, on a SoftHSM token with a probe key: the
// config file, a free loopback port, the long-running subprocess, and the fault (the probe key
// deleted by another PKCS#11 client, pkcs11-tool) and its repair.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from './cli';
import { createToken, SOFTHSM_MODULE } from './softhsm';

export const PROBE_KEY = 'olocus-probe';

export interface MonitorFixture {
  dir: string;
  config: string;
  token: string;
  userPin: string;
  cleanup(): void;
}

/** A token with a probe key and an hsm-config.yaml for it; `monitoring` lines go under hsm.monitoring. */
export async function monitorFixture(label: string, monitoring: string[]): Promise<MonitorFixture> {
  const token = createToken(label);
  const dir = mkdtempSync(join(tmpdir(), 'olocus-monitor-'));
  const pinFile = join(dir, 'pin');
  writeFileSync(pinFile, token.userPin, { mode: 0o600 });
  const config = join(dir, 'hsm-config.yaml');
  writeFileSync(
    config,
    [
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${SOFTHSM_MODULE}`,
      `    token_label: ${label}`,
      `    pin_source: "file:${pinFile}"`,
      '  monitoring:',
      `    probe_key: ${PROBE_KEY}`,
      ...monitoring.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  );
  const f = {
    dir,
    config,
    token: label,
    userPin: token.userPin,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  await createProbeKey(f);
  return f;
}

export async function createProbeKey(f: MonitorFixture): Promise<void> {
  const r = await runCli([
    'keys',
    'generate',
    '--config',
    f.config,
    '--type',
    'ec-p256',
    '--label',
    PROBE_KEY,
  ]);
  if (r.code !== 0) throw new Error(`keys generate failed: ${r.stderr}`);
}

/** Test fixture only: pkcs11-tool takes the PIN on argv, which the product never does. */
export function deleteProbeKey(f: MonitorFixture): void {
  for (const type of ['privkey', 'pubkey']) {
    execFileSync(
      'pkcs11-tool',
      [
        '--module',
        SOFTHSM_MODULE,
        '--token-label',
        f.token,
        '--login',
        '--pin',
        f.userPin,
        '--delete-object',
        '--type',
        type,
        '--label',
        PROBE_KEY,
      ],
      { stdio: 'pipe', env: process.env },
    );
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningMonitor {
  child: ChildProcess;
  /** http://127.0.0.1:PORT once serving. */
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

export async function startMonitor(
  args: string[],
  env: Record<string, string> = {},
): Promise<RunningMonitor> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'monitor', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /Serving (http:\/\/[^ ]+)\/metrics/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`monitor exited ${code} before serving: ${err}`)));
  });
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `check` until it answers a value, or fails after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
