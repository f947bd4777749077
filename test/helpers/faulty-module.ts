// A real PKCS#11 module that fails on demand: test/fixtures/faulty-pkcs11/faulty.c, built here
// with the system C compiler, forwards every call to SoftHSM (or NSS softoken, or any module
// named in FAULTY_P11_MODULE) and makes C_SignInit return
// CKR_DEVICE_ERROR (error 100) as often as the environment says, and, with FAULTY_P11_GCM_IV,
// treats the AES-GCM IV as AWS CloudHSM does ("generate") or ignores it silently ("ignore"),
// read at each C_EncryptInit (see faulty.c). The process that loads it
// (a CLI run) reads the other FAULTY_P11_* once, when the module is first opened.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli';
import { SOFTHSM_MODULE } from './softhsm';

/** Builds the module into `dir`; returns its path. Needs gcc (Debian: gcc, libc6-dev). */
export function buildFaultyModule(dir: string): string {
  const out = join(dir, 'libfaulty-pkcs11.so');
  execFileSync('cc', [
    '-shared',
    '-fPIC',
    '-O1',
    '-o',
    out,
    join(ROOT, 'test/fixtures/faulty-pkcs11/faulty.c'),
    '-ldl',
  ]);
  return out;
}

/**
 * The environment that makes `fails` C_SignInit calls (a number, or 'always') fail; `module` is
 * the real module the shim forwards to (C_Initialize's arguments, pReserved included, pass through).
 */
export function faultyEnv(
  fails: number | 'always',
  ckr = 0x30,
  module = SOFTHSM_MODULE,
): Record<string, string> {
  return {
    FAULTY_P11_MODULE: module,
    FAULTY_P11_SIGN_INIT_FAILS: String(fails),
    FAULTY_P11_CKR: `0x${ckr.toString(16)}`,
  };
}
