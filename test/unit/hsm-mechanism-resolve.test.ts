// The resolver of abstract mechanisms (hsm/pkcs11/mechanism-resolve.ts) over mechanism lists
// written out here, as a module would report them: the number each abstract mechanism becomes,
// what a vendor profile or a site's withheld numbers change, and the sentence of each refusal.
import { describe, expect, it } from 'vitest';
import { P } from '../../src/main/hsm/pkcs11/constants';
import { MechanismSet, signPlan } from '../../src/main/hsm/pkcs11/mechanisms';
import { resolveMechanism } from '../../src/main/hsm/pkcs11/mechanism-resolve';
import { resolveKwp } from '../../src/main/hsm/pkcs11/kwp-resolve';
import { KEY_SPECS } from '../../src/main/hsm/pkcs11/keytypes';
import { vendorById } from '../../src/main/hsm/vendors';
import type { VendorProfile } from '../../src/main/hsm/vendors';
import { ErrorCode } from '../../src/shared/errors';

const SIGN = P.CKF_SIGN;
const WRAP = P.CKF_WRAP | P.CKF_UNWRAP;
const list = (...m: [number, number][]) => m.map(([type, flags]) => ({ type, flags }));
// What SoftHSM 2.6.1 lists for the mechanisms concerned (pkcs11-tool -M).
const softhsmList = list(
  [P.CKM_RSA_PKCS, SIGN | WRAP],
  [P.CKM_RSA_PKCS_OAEP, WRAP],
  [P.CKM_ECDSA, SIGN],
  [0x1057, SIGN],
  [0x210a, WRAP],
  [P.CKM_AES_KEY_WRAP, WRAP],
);
const softhsm = vendorById('softhsm');

describe('resolving abstract mechanisms per module', () => {
  it('SoftHSM: ECDSA hashed in software over CKM_ECDSA, EdDSA by its number, RSA-AES composed, OAEP only with SHA-1', () => {
    const mechs = new MechanismSet(softhsmList);
    const r = (a: Parameters<typeof resolveMechanism>[0], flag: number) =>
      resolveMechanism(a, mechs, softhsm, flag, 'token "soft"');
    expect(r('ecdsa-sha384', SIGN)).toMatchObject({
      mechanism: P.CKM_ECDSA,
      name: 'CKM_ECDSA (0x1041)',
      decidedBy: 'software-hash',
    });
    expect(r('eddsa', SIGN)).toMatchObject({ mechanism: 0x1057, decidedBy: 'list' });
    expect(r('rsa-aes-key-wrap', P.CKF_WRAP)).toMatchObject({
      mechanism: P.CKM_RSA_PKCS_OAEP,
      name: 'CKM_RSA_PKCS_OAEP (0x9) + RFC 5649',
      decidedBy: 'composed',
      nativeListed: false,
    });
    expect(r('rsa-oaep-sha1', P.CKF_UNWRAP)).toMatchObject({ mechanism: P.CKM_RSA_PKCS_OAEP });
    expect(() => r('rsa-oaep-sha256', P.CKF_UNWRAP)).toThrow(
      'token "soft" offers no RSA-OAEP with SHA-256 for unwrapping: it lists CKM_RSA_PKCS_OAEP, but the SoftHSM v2 profile says it accepts only SHA-1 in its parameters; it offers CKM_RSA_PKCS_OAEP (0x9), CKM_RSA_PKCS (0x1).',
    );
  });

  it('a module listing hashed ECDSA and native RSA-AES: the hashed number, and the native one reported', () => {
    const mechs = new MechanismSet(
      list(
        [P.CKM_ECDSA, SIGN],
        [P.CKM_ECDSA_SHA256, SIGN],
        [P.CKM_RSA_PKCS_OAEP, WRAP],
        [0x1054, WRAP],
      ),
    );
    expect(resolveMechanism('ecdsa-sha256', mechs, null, SIGN, 'token "x"')).toMatchObject({
      mechanism: P.CKM_ECDSA_SHA256,
      decidedBy: 'list',
    });
    expect(resolveMechanism('ecdsa-sha512', mechs, null, SIGN, 'token "x"')).toMatchObject({
      mechanism: P.CKM_ECDSA,
      decidedBy: 'software-hash',
    });
    expect(
      resolveMechanism('rsa-aes-key-wrap', mechs, null, P.CKF_UNWRAP, 'token "x"'),
    ).toMatchObject({
      nativeListed: true,
      decidedBy: 'composed',
    });
    // No profile: OAEP with SHA-256 is left to the module (tried, negotiated in rsa-aes.ts).
    expect(
      resolveMechanism('rsa-oaep-sha256', mechs, null, P.CKF_WRAP, 'token "x"').mechanism,
    ).toBe(P.CKM_RSA_PKCS_OAEP);
  });

  it('no EdDSA: 104 naming what the token lacks and the signing mechanisms it offers', () => {
    const mechs = new MechanismSet(list([P.CKM_ECDSA, SIGN], [P.CKM_ECDSA_SHA256, SIGN]));
    let err: unknown;
    try {
      resolveMechanism('eddsa', mechs, null, SIGN, 'token "NSS"');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      message:
        'token "NSS" offers no EdDSA (Ed25519) for signing: it lacks CKM_EDDSA (0x1057); it offers CKM_ECDSA (0x1041), CKM_ECDSA_SHA256 (0x1044).',
    });
  });

  it('a number the site withholds is never chosen, and the refusal says it is listed but withheld', () => {
    const mechs = new MechanismSet(softhsmList, [P.CKM_ECDSA]);
    expect(() => resolveMechanism('ecdsa-sha256', mechs, softhsm, SIGN, 'token "soft"')).toThrow(
      'token "soft" offers no ECDSA with SHA-256 for signing: it lacks CKM_ECDSA_SHA256 (0x1044) and CKM_ECDSA (0x1041) (CKM_ECDSA (0x1041) listed but withheld by the site); it offers CKM_EDDSA (0x1057).',
    );
    // signPlan takes its ECDSA choice from the resolver, so it refuses the same way.
    expect(() =>
      signPlan('ecdsa-sha256', KEY_SPECS['ec-p256'], mechs, SIGN, 'token "soft"'),
    ).toThrow(/withheld by the site/);
  });

  it('signPlan signs ECDSA on SoftHSM as the resolver says: CKM_ECDSA over a SHA-256 made in software', () => {
    const plan = signPlan(
      'ecdsa-sha256',
      KEY_SPECS['ec-p256'],
      new MechanismSet(softhsmList),
      SIGN,
    );
    expect(plan).toMatchObject({
      mech: { mechanism: P.CKM_ECDSA },
      prehash: { hash: 'sha256' },
      outLen: 64,
      mechanismName: 'CKM_ECDSA',
      hashedInSoftware: true,
    });
  });

  it('RFC 5649 with 0x210A withheld and no 0x210B: 104 naming what is offered and what is withheld', async () => {
    const profile: VendorProfile = { ...softhsm, siteQuirks: '/etc/olocus/quirks.json' };
    await expect(
      resolveKwp(new MechanismSet(softhsmList, [0x210a]), profile, P.CKF_UNWRAP, 'token "soft"'),
    ).rejects.toThrow(
      'token "soft" offers no RFC 5649 AES key wrap for unwrapping (neither CKM_AES_KEY_WRAP_KWP 0x210B nor a number its vendor profile names); it offers CKM_AES_KEY_WRAP (0x2109), and lists CKM_AES_KEY_WRAP_PAD (0x210A), which the site withholds (/etc/olocus/quirks.json).',
    );
  });
});
