// Every abstract mechanism the app uses, resolved on two real modules from their own mechanism
// lists and vendor profiles: SoftHSM 2.6 and NSS softoken. The table below is what they answer
// (docs/interop.md, "Mechanisms resolved per module"); a module that changes fails this test.
// Each resolved signing mechanism then signs for real, and each refusal is the 104 sentence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { Pkcs11Provider as Provider } from '../../src/main/hsm/pkcs11/provider';
import { ABSTRACT_MECHANISMS } from '../../src/main/hsm/pkcs11/mechanism-resolve';
import type { AbstractMechanism } from '../../src/main/hsm/pkcs11/mechanism-resolve';
import { verifyWithSpki } from '../../src/main/transfer';
import { NSS_MODULE, openNss } from '../helpers/nss';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';

const soft = NSS_MODULE ? createToken('resolve-soft') : null;
const modules: Record<string, Pkcs11Provider> = {};

const role = (a: AbstractMechanism) =>
  a.startsWith('ecdsa') || a === 'eddsa' ? ('sign' as const) : ('unwrap' as const);

/** What each module resolves each abstract mechanism to: name and how, or the refusal. */
async function table(p: Pkcs11Provider): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const a of ABSTRACT_MECHANISMS)
    out[a] = await p.resolveMechanism(a, role(a)).then(
      (r) => `${r.name}, ${r.decidedBy}${r.nativeListed ? ' (native listed)' : ''}`,
      (e: Error & { code?: number }) => `error ${e.code}`,
    );
  return out;
}

describe.skipIf(!NSS_MODULE)('abstract mechanisms resolved on SoftHSM and NSS softoken', () => {
  beforeAll(async () => {
    modules.softhsm = await Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: soft!.label },
    });
    await modules.softhsm.login(pin(soft!.userPin));
    modules.nss = (await openNss()).provider;
  });
  afterAll(async () => {
    for (const p of Object.values(modules)) await p.close();
  });

  it('SoftHSM and NSS answer the documented table', async () => {
    expect({ softhsm: await table(modules.softhsm!), nss: await table(modules.nss!) }).toEqual({
      softhsm: {
        'rsa-oaep-sha1': 'CKM_RSA_PKCS_OAEP (0x9), list',
        'rsa-oaep-sha256': 'error 104',
        'rsa-aes-key-wrap': 'CKM_RSA_PKCS_OAEP (0x9) + RFC 5649, composed',
        'ecdsa-sha256': 'CKM_ECDSA (0x1041), software-hash',
        'ecdsa-sha384': 'CKM_ECDSA (0x1041), software-hash',
        'ecdsa-sha512': 'CKM_ECDSA (0x1041), software-hash',
        eddsa: 'CKM_EDDSA (0x1057), list',
      },
      nss: {
        'rsa-oaep-sha1': 'CKM_RSA_PKCS_OAEP (0x9), list',
        'rsa-oaep-sha256': 'CKM_RSA_PKCS_OAEP (0x9), list',
        'rsa-aes-key-wrap': 'CKM_RSA_PKCS_OAEP (0x9) + RFC 5649, composed',
        'ecdsa-sha256': 'CKM_ECDSA_SHA256 (0x1044), list',
        'ecdsa-sha384': 'CKM_ECDSA_SHA384 (0x1045), list',
        'ecdsa-sha512': 'CKM_ECDSA_SHA512 (0x1046), list',
        eddsa: 'error 104',
      },
    });
  });

  for (const [name, hashed] of [
    ['softhsm', false],
    ['nss', true],
  ] as const)
    it(`${name} signs ECDSA with the resolved mechanism (${hashed ? 'hashed on the token' : 'CKM_ECDSA over a software hash'}), and the signature verifies`, async () => {
      const p = modules[name]!;
      const label = `resolve-ec-${name}`;
      await p.generateKeyPair('ec-p384', { label });
      const data = Buffer.from('signed with the resolved mechanism');
      const sig = await p.sign({ label }, data, 'ecdsa-sha384');
      expect([sig.mechanism, sig.hashedInSoftware]).toEqual(
        hashed ? ['CKM_ECDSA_SHA384', false] : ['CKM_ECDSA', true],
      );
      expect(verifyWithSpki(await p.publicKey({ label }), sig.algorithm, data, sig.signature)).toBe(
        true,
      );
    });

  it('the refusals name what each token lacks and what it offers', async () => {
    await expect(modules.softhsm!.resolveMechanism('rsa-oaep-sha256', 'unwrap')).rejects.toThrow(
      `token "${soft!.label}" offers no RSA-OAEP with SHA-256 for unwrapping: it lists CKM_RSA_PKCS_OAEP, but the SoftHSM v2 profile says it accepts only SHA-1 in its parameters; it offers CKM_RSA_PKCS_OAEP (0x9), CKM_RSA_PKCS (0x1).`,
    );
    await expect(modules.nss!.resolveMechanism('eddsa', 'sign')).rejects.toThrow(
      /^token "NSS Certificate DB" offers no EdDSA \(Ed25519\) for signing: it lacks CKM_EDDSA \(0x1057\); it offers CKM_ECDSA \(0x1041\), CKM_ECDSA_SHA256 \(0x1044\), CKM_ECDSA_SHA384 \(0x1045\), CKM_ECDSA_SHA512 \(0x1046\)\.$/,
    );
  });
});
