// Error 100 retried on NSS softoken: the faulty PKCS#11 shim (test/fixtures/faulty-pkcs11)
// forwards to libsoftokn3.so, and NSS's init string (hsm.pkcs11.init_args, the pReserved of
// C_Initialize) passes through it untouched. A C_SignInit that returns CKR_DEVICE_ERROR once is
// retried and the signature verifies; one that never recovers gives up with exit 3, each retry in
// --json, no signature written, and the token as it was.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { runCli } from '../helpers/cli';
import { buildFaultyModule, faultyEnv } from '../helpers/faulty-module';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';

const work = mkdtempSync(join(tmpdir(), 'olocus-retry-nss-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pinFile = join(work, 'nss.pin');
const data = join(work, 'data.txt');
let tokenUri = '';
let cfg = '';

interface Retry {
  attempt: number;
  of: number;
  code: number;
  ckr?: string;
}

const nssFaults = (fails: number | 'always') => faultyEnv(fails, 0x30, NSS_MODULE);

async function keysNow(): Promise<string> {
  const r = await runCli(['keys', 'list', '--hsm', tokenUri, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const keys = (JSON.parse(r.stdout) as { keys: { label: string; class: string }[] }).keys;
  return JSON.stringify(keys.map((k) => [k.label, k.class]).sort());
}

describe.skipIf(!NSS_MODULE)(
  'connection.retry_attempts on NSS softoken behind the faulty shim',
  { timeout: 180_000 },
  () => {
    beforeAll(async () => {
      writeFileSync(pinFile, NSS_USER_PIN, { mode: 0o600 });
      writeFileSync(data, 'retry me on NSS');
      const nss = await openNss();
      await nss.provider.close();
      tokenUri = `${nss.uri}&pin-source=file:${pinFile}`;
      const initArgs = parsePkcs11Uri(nss.uri).initArgs!;
      const faulty = buildFaultyModule(work);
      cfg = join(work, 'hsm-config.yaml');
      writeFileSync(
        cfg,
        [
          // The seed's provider list has no generic PKCS#11 name; hsm.provider only picks the
          // module when module_path is absent, so this names NSS through the shim all the same.
          'hsm:',
          '  provider: softhsm',
          '  pkcs11:',
          `    module_path: ${faulty}`,
          '    token_label: NSS Certificate DB',
          `    init_args: ${JSON.stringify(initArgs)}`,
          `    pin_source: "file:${pinFile}"`,
          '  connection:',
          '    retry_attempts: 2',
          '    timeout: 1s',
          '',
        ].join('\n'),
      );
      // Made on NSS directly, not through the shim.
      const r = await runCli([
        'keys',
        'generate',
        '--hsm',
        tokenUri,
        '--type',
        'ec-p256',
        '--label',
        'nss-device-key',
      ]);
      expect(r.code, r.stderr).toBe(0);
    }, 60_000);

    it('through the shim without faults, the init string reaches NSS: the key signs', async () => {
      const sig = join(work, 'plain.sig');
      const r = await runCli(
        ['sign', '--config', cfg, '--key', 'nss-device-key', '--in', data, '--out', sig],
        { env: nssFaults(0) },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(sig).length).toBeGreaterThan(0);
    });

    it('a device error that passes is retried: the signature is written and verifies on NSS', async () => {
      const sig = join(work, 'once.sig');
      const r = await runCli(
        ['sign', '--config', cfg, '--key', 'nss-device-key', '--in', data, '--out', sig, '--json'],
        { env: nssFaults(1) },
      );
      expect(r.code, r.stderr).toBe(0);
      const retries = (JSON.parse(r.stdout) as { retries: Retry[] }).retries;
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatchObject({ attempt: 1, of: 2, code: 100, ckr: 'CKR_DEVICE_ERROR' });
      expect(r.stderr).toMatch(
        /HSM error 100, CKR_DEVICE_ERROR while .*; retry 1 of 2 in \d+ ms\./,
      );
      const key = tokenUri.replace('?', ';object=nss-device-key;type=private?');
      const v = await runCli(['verify', '--key', key, '--in', data, '--sig', sig]);
      expect(v.code, v.stderr).toBe(0);
    });

    it('retries exhausted: exit 3, the sentence says it gave up, nothing written, the token as before', async () => {
      const before = await keysNow();
      const sig = join(work, 'never.sig');
      const r = await runCli(
        ['sign', '--config', cfg, '--key', 'nss-device-key', '--in', data, '--out', sig, '--json'],
        { env: nssFaults('always') },
      );
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /error: HSM error 100 \(connection failed, CKR_DEVICE_ERROR\).*reported a device error .* Gave up after 2 retries \(connection\.retry_attempts\)\./,
      );
      const doc = JSON.parse(r.stdout) as { retries: Retry[] };
      expect(doc.retries.map((x) => x.attempt)).toEqual([1, 2]);
      expect(existsSync(sig)).toBe(false);
      expect(await keysNow()).toBe(before);
    });
  },
);
