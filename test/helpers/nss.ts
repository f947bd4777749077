// A fresh NSS softoken database in a temp dir, its user PIN set, opened through a URI with
// x-init-args as an operator writes it. NSS loads once per process with one init string, so a
// test file makes one database.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pkcs11Provider, type Pkcs11ProviderOptions } from '../../src/main/hsm/pkcs11/provider';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { pin } from './softhsm';

export const NSS_MODULE = [
  '/usr/lib/x86_64-linux-gnu/libsoftokn3.so',
  '/usr/lib/aarch64-linux-gnu/libsoftokn3.so',
  '/usr/lib64/libsoftokn3.so',
].find((p) => existsSync(p));

export const NSS_USER_PIN = 'nss user pin';

export interface NssToken {
  uri: string;
  provider: Pkcs11Provider;
}

/**
 * Makes the database, sets its user PIN as SO, and returns it logged in as the user. `options`
 * reach the provider (a larger pool, `threads: 0`); NSS loads once per process, so the first
 * open in a test file decides how the module runs.
 */
export async function openNss(
  options: Pick<Pkcs11ProviderOptions, 'pool' | 'threads'> = {},
): Promise<NssToken> {
  const dir = mkdtempSync(join(tmpdir(), 'olocus-nss-'));
  const initArgs = `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`;
  const uri = `pkcs11:token=NSS%20Certificate%20DB?module-path=${NSS_MODULE}&x-init-args=${encodeURIComponent(initArgs)}`;
  const parsed = parsePkcs11Uri(uri);
  const provider = await Pkcs11Provider.open({
    modulePath: parsed.modulePath!,
    initArgs: parsed.initArgs!,
    token: { token: parsed.token! },
    ...options,
  });
  await provider.login(pin(''), 'so');
  await provider.initUserPin(pin(NSS_USER_PIN));
  await provider.logout();
  await provider.login(pin(NSS_USER_PIN));
  return { uri, provider };
}
