// The service opens tokens through the opener its owner hands it: a provider that fails on demand
// (a wrapper around the real SoftHSM token) reaches every caller of the service, with its code and
// CKR name, and the token is as it was.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPkcs11 } from '../../src/main/hsm/open';
import type { TokenProvider } from '../../src/main/hsm/provider';
import { CeremonyService } from '../../src/main/service';
import type { UriOpener } from '../../src/main/service/connections';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const t = createToken('service-opener', '246810');
const work = mkdtempSync(join(tmpdir(), 'olocus-service-opener-'));
const pinFile = join(work, 'pin');
writeFileSync(pinFile, t.userPin, { mode: 0o600 });
const token = `pkcs11:token=${t.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const key = `pkcs11:token=${t.label};object=k;type=private?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;

let signFails = true;
const opened: string[] = [];
const openToken: UriOpener = async (uri, opts) => {
  opened.push(uri.token ?? '');
  const real = await openPkcs11(uri, opts);
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'sign' && signFails)
        return async () => {
          throw new OlocusError(ErrorCode.TOKEN_NOT_FOUND, 'Injected: the token was removed.', {
            ckr: 'CKR_DEVICE_REMOVED',
          });
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as TokenProvider;
};
const service = new CeremonyService({ openToken });
afterAll(() => service.close());

describe('the service opens tokens through the opener it is given', () => {
  it('a provider that fails on demand fails the sign with its code; the key is untouched and signs once the fault is gone', async () => {
    await service.generateKey(token, 'ec-p256', 'k');
    expect(opened).toEqual([t.label]);
    await expect(service.sign(key, Buffer.from('data'))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_NOT_FOUND,
      ckr: 'CKR_DEVICE_REMOVED',
    });
    expect((await service.listKeys(token)).keys.map((k) => k.label)).toEqual(['k', 'k']);
    signFails = false;
    const out = await service.sign(key, Buffer.from('data'));
    expect(out.signature.length).toBeGreaterThan(0);
    // One connection per token for the life of the service: the opener ran once.
    expect(opened).toEqual([t.label]);
  });
});
