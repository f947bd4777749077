// The calling-thread executor (threads: 0, as a group's member host runs it) on NSS softoken, not
// only SoftHSM: NSS is the first provider this file opens, so the module loads inline. Many
// signatures issued at once all verify with the key's public half, and a wrong PIN is error 102.
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { OlocusError } from '../../src/shared/errors';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';
import { pin } from '../helpers/softhsm';

let p: Pkcs11Provider;

beforeAll(async () => {
  p = (await openNss({ threads: 0 })).provider;
  await p.generateKey('ec-p256', { label: 'inline-nss' });
});
afterAll(async () => {
  await p.close();
});

describe.skipIf(!NSS_MODULE)('PKCS#11 calls on the calling thread, NSS softoken', () => {
  it('signs 64 requests issued at once; every signature verifies with the public key', async () => {
    const inputs = Array.from({ length: 64 }, (_, i) => Buffer.from(`nss request ${i}`));
    const results = await Promise.all(
      inputs.map((d) => p.sign({ label: 'inline-nss', class: 'private' }, d)),
    );
    const spki = await p.publicKey({ label: 'inline-nss', class: 'public' });
    const pub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    results.forEach((r, i) => {
      expect(r.algorithm).toBe('ecdsa-sha256');
      expect(
        verify('sha256', inputs[i]!, { key: pub, dsaEncoding: 'ieee-p1363' }, r.signature),
      ).toBe(true);
    });
  });

  it('a wrong PIN is error 102, and the right one still works after it', async () => {
    await p.logout();
    const e = await p.login(pin('not the pin')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OlocusError);
    expect((e as OlocusError).code).toBe(102);
    await p.login(pin(NSS_USER_PIN));
    const r = await p.sign({ label: 'inline-nss', class: 'private' }, Buffer.from('after'));
    expect(r.signature.length).toBe(64);
  });
});
