// Transfers between two independent modules: SoftHSM (RFC 5649 as 0x210A, by its profile and
// a probe) and NSS softoken (0x210A is RFC 3394 + PKCS#7 there; RFC 5649 is 0x210B).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { migrateKey, verifyWithSpki } from '../../src/main/transfer';
import { ErrorCode } from '../../src/shared/errors';
import { NSS_MODULE, openNss } from '../helpers/nss';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';
import { Pkcs11Provider as Provider } from '../../src/main/hsm/pkcs11/provider';
import { P } from '../../src/main/hsm/pkcs11/constants';
import { resolveKwp } from '../../src/main/hsm/pkcs11/kwp-resolve';
import { MechanismSet } from '../../src/main/hsm/pkcs11/mechanisms';
import type { VendorProfile } from '../../src/main/hsm/vendors';

const soft = NSS_MODULE ? createToken('nss-peer') : null;
let softhsm: Pkcs11Provider;
let nss: Pkcs11Provider;
const rsaAes = { wrap: 'rsa-aes-kwp' as const };

describe.skipIf(!NSS_MODULE)('SoftHSM and NSS softoken as transfer peers', () => {
  beforeAll(async () => {
    softhsm = await Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: soft!.label } });
    await softhsm.login(pin(soft!.userPin));
    nss = (await openNss()).provider;
  });
  afterAll(async () => {
    await softhsm?.close();
    await nss?.close();
  });

  it('resolves RFC 5649 per module: 0x210A on SoftHSM (profile, probed), 0x210B on NSS (listed)', async () => {
    expect(await softhsm.resolvedKwp('wrap')).toEqual({
      mechanism: 0x210a,
      name: 'CKM_AES_KEY_WRAP_PAD (0x210A)',
      decidedBy: 'probe',
    });
    expect(await nss.resolvedKwp('unwrap')).toEqual({
      mechanism: 0x210b,
      name: 'CKM_AES_KEY_WRAP_KWP (0x210B)',
      decidedBy: 'list',
    });
  });

  for (const [from, to] of [
    ['SoftHSM', 'NSS'],
    ['NSS', 'SoftHSM'],
  ] as const) {
    const pick = (n: string) => (n === 'SoftHSM' ? softhsm : nss);
    it(`moves an RSA-2048 key ${from} → ${to}, proven by SPKI and a signature`, async () => {
      const label = `rsa-${from}-${to}`;
      const { privateKey } = await pick(from).generateKeyPair('rsa-2048', {
        label,
        extractable: true,
      });
      const r = await migrateKey(pick(from), pick(to), { label }, rsaAes);
      expect(r.proof.signatureVerified).toBe(true);
      expect(r.target.spkiSha256).toBe(privateKey.spkiSha256);
      expect(r.kwp.source.mechanism).toBe(from === 'SoftHSM' ? 0x210a : 0x210b);
      expect(r.kwp.target.mechanism).toBe(to === 'SoftHSM' ? 0x210a : 0x210b);
      const data = Buffer.from('moved between modules');
      const sig = await pick(to).sign({ label }, data);
      expect(
        verifyWithSpki(await pick(from).publicKey({ label }), sig.algorithm, data, sig.signature),
      ).toBe(true);
    });
    for (const type of ['ec-p256', 'ec-p384'] as const)
      it(`moves an ${type} key ${from} → ${to}, proven by a signature (NSS gets CKA_NSS_DB)`, async () => {
        const label = `${type}-${from}-${to}`;
        const { privateKey } = await pick(from).generateKeyPair(type, { label, extractable: true });
        const r = await migrateKey(pick(from), pick(to), { label }, rsaAes);
        expect(r.proof.signatureVerified).toBe(true);
        expect(r.target.spkiSha256).toBe(privateKey.spkiSha256);
        const data = Buffer.from('an EC key between modules');
        const sig = await pick(to).sign({ label }, data);
        expect(
          verifyWithSpki(await pick(from).publicKey({ label }), sig.algorithm, data, sig.signature),
        ).toBe(true);
      });
    it(`moves an AES-256 key ${from} → ${to}, proven by its KCV`, async () => {
      const label = `aes-${from}-${to}`;
      const made = await pick(from).generateKey('aes-256', { label, extractable: true });
      const r = await migrateKey(pick(from), pick(to), { label }, rsaAes);
      expect(r.proof).toMatchObject({ method: 'kcv', kcvMatch: true });
      expect(r.target.kcv).toBe(made.kcv);
    });
  }

  it('a probe on NSS contradicts a profile that calls 0x210A RFC 5649: error 104, nothing wrapped', async () => {
    const claims = {
      name: 'A profile that is wrong',
      quirks: { rfc5649: 0x210a },
    } as VendorProfile;
    const mechs = new MechanismSet([{ type: 0x210a, flags: P.CKF_WRAP }]);
    await expect(
      resolveKwp(mechs, claims, P.CKF_WRAP, 'token "NSS Certificate DB"', nss.kwpProbe()),
    ).rejects.toMatchObject({
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      message: expect.stringMatching(
        /says CKM_AES_KEY_WRAP_PAD \(0x210A\) is RFC 5649.*known-answer test/,
      ),
    });
    // The same probe on SoftHSM agrees with its profile.
    await expect(
      resolveKwp(mechs, claims, P.CKF_WRAP, 'token "soft"', softhsm.kwpProbe()),
    ).resolves.toMatchObject({ mechanism: 0x210a, decidedBy: 'probe' });
  });

  it('a module without any RFC 5649 mechanism: error 104 naming what it lacks and offers', async () => {
    const mechs = new MechanismSet([
      { type: 0x210a, flags: P.CKF_UNWRAP },
      { type: P.CKM_AES_KEY_WRAP, flags: P.CKF_UNWRAP },
    ]);
    // No profile and a probe that finds 0x210A is RFC 3394 + PKCS#7 (NSS): nothing fits.
    await expect(
      resolveKwp(mechs, null, P.CKF_UNWRAP, 'token "X"', nss.kwpProbe()),
    ).rejects.toMatchObject({
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      message:
        'token "X" offers no RFC 5649 AES key wrap for unwrapping (neither CKM_AES_KEY_WRAP_KWP 0x210B nor a number its vendor profile names); it offers CKM_AES_KEY_WRAP_PAD (0x210A), CKM_AES_KEY_WRAP (0x2109).',
    });
  });
});
