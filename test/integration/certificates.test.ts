// Certificates and requests signed inside the HSM, checked with node:crypto's X.509 parser and
// by OpenSSL: nothing of ours in the verification path.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateRequest, selfSignedCertificate } from '../../src/main/hsm/certificates';
import type { HsmSigningKey } from '../../src/main/hsm/certificates';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import type { KeyType } from '../../src/main/hsm/types';
import { ErrorCode } from '../../src/shared/errors';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('certs');
let hsm: Pkcs11Provider;
const dir = mkdtempSync(join(tmpdir(), 'olocus-certs-'));

beforeAll(async () => {
  hsm = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: token.label } });
  await hsm.login(pin(token.userPin));
});
afterAll(() => hsm.close());

async function signer(type: KeyType): Promise<HsmSigningKey> {
  await hsm.generateKeyPair(type, { label: type });
  return {
    type,
    spki: await hsm.publicKey({ label: type }),
    sign: async (d) => (await hsm.sign({ label: type }, d)).signature,
  };
}

describe.each(['ec-p384', 'ec-p256', 'ec-p521', 'ed25519', 'rsa-2048'] as const)('%s', (type) => {
  it('self-signs a CA certificate in the HSM that node:crypto and OpenSSL verify', async () => {
    const key = await signer(type);
    const issued = await selfSignedCertificate(key, {
      subject: 'CN=Olocus Test Root, O=Olocus',
      validityDays: 3650,
      ca: true,
      pathLength: 1,
    });
    const cert = new X509Certificate(issued.pem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain('CN=Olocus Test Root');
    expect(
      cert.verify(createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' })),
    ).toBe(true);
    expect(issued.sha256).toBe(cert.fingerprint256.replace(/:/g, '').toLowerCase());
    const file = join(dir, `${type}.pem`);
    writeFileSync(file, issued.pem);
    const out = execFileSync('openssl', ['verify', '-CAfile', file, '-check_ss_sig', file], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${file}: OK`);

    const csr = await certificateRequest(key, { subject: 'CN=Olocus Test Request' });
    const reqFile = join(dir, `${type}.csr`);
    writeFileSync(reqFile, csr.pem);
    expect(
      execFileSync('openssl', ['req', '-in', reqFile, '-noout', '-verify'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).toString(),
    ).toBeDefined();
  });
});

it('refuses a certificate for a secp256k1 key with 104 rather than producing something unusable', async () => {
  const key = await signer('ec-secp256k1');
  await expect(
    selfSignedCertificate(key, { subject: 'CN=x', validityDays: 1, ca: false }),
  ).rejects.toMatchObject({ code: ErrorCode.MECHANISM_UNSUPPORTED });
});
