// A fresh SoftHSM2 token store per test process, under a temp dir named by SOFTHSM2_CONF.
// SoftHSM reads SOFTHSM2_CONF when the library initialises, so call useSoftHsm() before the
// first provider opens in the process.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE =
  [
    '/usr/lib/softhsm/libsofthsm2.so',
    '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
    '/usr/lib64/pkcs11/libsofthsm2.so',
    '/usr/local/lib/softhsm/libsofthsm2.so',
  ].find((p) => existsSync(p)) ?? '/usr/lib/softhsm/libsofthsm2.so';

let root: string | null = null;

export function useSoftHsm(): string {
  if (root) return root;
  root = mkdtempSync(join(tmpdir(), 'olocus-softhsm-'));
  mkdirSync(join(root, 'tokens'));
  const conf = join(root, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${join(root, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  process.on('exit', () => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return root;
}

export interface TestToken {
  label: string;
  soPin: string;
  userPin: string;
}

/** Test fixtures only: softhsm2-util takes PINs on argv, which the product never does. */
export function createToken(label: string, userPin = '123456', soPin = '12345678'): TestToken {
  useSoftHsm();
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', userPin],
    {
      env: process.env,
      stdio: 'pipe',
    },
  );
  return { label, soPin, userPin };
}

export function pin(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
