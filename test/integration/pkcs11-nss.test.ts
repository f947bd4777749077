// A second, unrelated PKCS#11 v2.40 module: Mozilla's NSS softoken. It needs initialisation
// arguments (pReserved), starts without a user PIN, and offers hashed ECDSA — so the same
// provider code takes other paths than on SoftHSM.
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { ErrorCode } from '../../src/shared/errors';
import { pin } from '../helpers/softhsm';

const NSS = [
  '/usr/lib/x86_64-linux-gnu/libsoftokn3.so',
  '/usr/lib/aarch64-linux-gnu/libsoftokn3.so',
  '/usr/lib64/libsoftokn3.so',
].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'olocus-nss-'));
const initArgs = `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`;

describe.skipIf(!NSS)('NSS softoken as a second module', () => {
  let hsm: Pkcs11Provider;
  beforeAll(async () => {
    // The init string travels in the URI's x-init-args, percent-encoded, as an operator writes it.
    const uri = parsePkcs11Uri(
      `pkcs11:token=NSS%20Certificate%20DB?module-path=${NSS}&x-init-args=${encodeURIComponent(initArgs)}`,
    );
    expect(uri.initArgs).toBe(initArgs);
    hsm = await Pkcs11Provider.open({
      modulePath: uri.modulePath!,
      initArgs: uri.initArgs!,
      token: { token: uri.token! },
    });
  });
  afterAll(() => hsm?.close());

  it('describes the module and its tokens', async () => {
    expect((await hsm.info()).manufacturer).toBe('Mozilla Foundation');
    const tokens = await hsm.listTokens({ mechanisms: true });
    expect(tokens.map((t) => t.label)).toEqual(
      expect.arrayContaining(['NSS Generic Crypto Services', 'NSS Certificate DB']),
    );
    const db = tokens.find((t) => t.label === 'NSS Certificate DB')!;
    expect(db.mechanisms!.map((m) => m.name)).toContain('CKM_ECDSA_SHA256');
  });

  it('sets a user PIN as Security Officer, then generates and signs with the hashed mechanism', async () => {
    await hsm.login(pin(''), 'so');
    await hsm.initUserPin(pin('nss user pin'));
    await hsm.logout();
    await expect(hsm.login(pin('not it'))).rejects.toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
      ckr: 'CKR_PIN_INCORRECT',
    });
    await hsm.login(pin('nss user pin'));
    const { privateKey } = await hsm.generateKeyPair('ec-p256', { label: 'nss-key' });
    expect(privateKey.provenance).toMatchObject({ sensitive: true, extractable: false });
    const data = Buffer.from('second module');
    const r = await hsm.sign({ label: 'nss-key' }, data);
    expect(r).toMatchObject({ mechanism: 'CKM_ECDSA_SHA256', hashedInSoftware: false });
    const spki = createPublicKey({
      key: Buffer.from(await hsm.publicKey({ label: 'nss-key' })),
      format: 'der',
      type: 'spki',
    });
    expect(verify('sha256', data, { key: spki, dsaEncoding: 'ieee-p1363' }, r.signature)).toBe(
      true,
    );
  });

  it('refuses to load the same module again with other init args', async () => {
    await expect(
      Pkcs11Provider.open({ modulePath: NSS!, initArgs: "configdir='sql:/nonexistent'" }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_INPUT });
  });
});
