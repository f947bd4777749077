// YubiHSM 2 key attestation. The first block runs on REAL device output: an attestation of an
// ECP256 key (object 0x7e57, "hsmaudit-test", sign-ecdsa only) and the device certificate of
// YubiHSM 31650425, firmware 2.4.0, as published in blechschmidt/secsy-pki
// (server/internal/hsmattest/fixtures_test.go). Yubico's sub-CA for that device is not available
// here, so its chain to the Yubico root is "unknown" and the verdict says which file to fetch.
// The second block builds a SYNTHETIC Yubico-shaped PKI to exercise the refusals.
import 'reflect-metadata';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { YUBICO_OIDS } from '../../src/main/attestation/yubihsm/extensions';
import { pinnedYubiHsmRoot, YUBIHSM_ROOT_SHA256 } from '../../src/main/attestation/yubihsm/roots';
import { verifyYubiHsmAttestation } from '../../src/main/attestation/yubihsm/verify';

const REAL_ATTESTATION = `-----BEGIN CERTIFICATE-----
MIICuDCCAaCgAwIBAgIQAQfJA3sSkvv9gYuzpDEwrTANBgkqhkiG9w0BAQsFADAp
MScwJQYDVQQDDB5ZdWJpSFNNIEF0dGVzdGF0aW9uICgzMTY1MDQyNSkwIBcNMTcw
MTAxMDAwMDAwWhgPMjA3MTEwMDUwMDAwMDBaMCgxJjAkBgNVBAMMHVl1YmlIU00g
QXR0ZXN0YXRpb24gaWQ6MHg3ZTU3MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
9h5qab8Bq5iEUVC8zncnCz9g33ctB9baF7ICxl+KEUMp4QB2ra95bSRf2lwAE473
Ug705nI8OEl/DCKGFGQpHqOBpTCBojATBgorBgEEAYLECgQBBAUEAwIEADAUBgor
BgEEAYLECgQCBAYCBAHi8nkwEgYKKwYBBAGCxAoEAwQEAwIAATATBgorBgEEAYLE
CgQEBAUDAwAAATAZBgorBgEEAYLECgQFBAsDCQAAAAAAAAAAgDASBgorBgEEAYLE
CgQGBAQCAn5XMB0GCisGAQQBgsQKBAkEDwwNaHNtYXVkaXQtdGVzdDANBgkqhkiG
9w0BAQsFAAOCAQEAmfpUhnBfe5sU/X8QXcCHowQmUfeQynq2iMRLFfDMJug1Yj46
4Yh1HKJsksuJr8vEvJMmIrCzEXI2EXCCKUee8ZCqK81m4z6dJBllI3qMx7BBNikx
z3JvVg/QaebxRPYinY0A/G7CyEDdOK0uFFya9aIXe+n1E+sZ3DTjmHTK5VKuqEGR
S4FZdDc6KnepxS2N/ojyHGRLxDMjMAGl6osXxKrFge+ZZE3jGELmQRdq0f7dFR8/
d0J39hj4/2v4P9VMFTmKtgQefYmnOnD/wYC+tfRFnj/Ys94Wc+WvcclodKNziPnR
f0WKW1HTSE9MPKNkmhnTvO/NH6/mUT6fnL7DpA==
-----END CERTIFICATE-----`;

const REAL_DEVICE = `-----BEGIN CERTIFICATE-----
MIIDWDCCAkCgAwIBAgIJAMe6avTqzrZvMA0GCSqGSIb3DQEBCwUAMCgxJjAkBgNV
BAMMHVl1YmljbyBZdWJpSFNNIDY3NDIwMzYgU3ViLUNBMCAXDTE3MDEwMTAwMDAw
MFoYDzIwNzExMDA1MDAwMDAwWjApMScwJQYDVQQDDB5ZdWJpSFNNIEF0dGVzdGF0
aW9uICgzMTY1MDQyNSkwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDk
gZAmFVlK3T7USxTc07lVC1iL3gUmZccAZopsQVMcS60wgI8+Gg4Lwnh9XTrjTVwr
gVJmvy811QhzFrZyHyG04xzIkI1rbZ8vLo9vGCanxoMD3+KZ0aYR8MuDeH1Ft6eW
6U6cCoGrJr2ie+A648Eoa3PTAtyvgFZbxgdBTC92nE207ICgq0pYeD6dLqJn2Vvc
WGS+Wdg26opY3pijqrw3FQAs9kmK+eLXVGQx8DhYiC6F/Nu3DwST/utE66QG9wMI
dM/mx6XWYwdA0ltxfK7D5llK64rI1uuWNsdp30sqRfVUJba5+c6O6LsDsfUU0kSQ
tIYsItvj8IIxnyDZQTb5AgMBAAGjgYEwfzATBgorBgEEAYLECgQBBAUEAwIEADAU
BgorBgEEAYLECgQCBAYCBAHi8nkwHQYDVR0OBBYEFNyOCJsY8QprJUfDOdhENgUK
LuAeMB8GA1UdIwQYMBaAFORdpfNhsJGzDY8sb6BA22/vV5GOMBIGA1UdEwEB/wQI
MAYBAf8CAQAwDQYJKoZIhvcNAQELBQADggEBABrmUlQTL7qVCrCYV+P7JcQ+O58Y
mseAwPXnA9LvK5ma4HWh+FvPmqT1MCBQ5Ni4d/gW3n8ptqa0KUsQRgdyjOdnICkp
SFnF2FN8sWdSRqoXJI/0pVB0XZlpmvO76w1TOPdf2IGtO0T/p9b+1hEnyg50LbeQ
Rkl9JyGEgHp09Un06fUIAXhPMpqmm8rxnZOUwf95zZNdjTO/+5/duYB0oNkAzzWY
2n5GH/RC4vHui2d1YbJXxIMTca59ap23tNLaWBG82Y8YNzXcxvOFh1M1JXFVpxW7
oFXZ1Az2XqxvooBIxeXhRWNKhuu/T6E7b8loHWZed4nc8HVHzrjKYQT1KGo=
-----END CERTIFICATE-----`;

const AT = new Date('2026-06-01T00:00:00Z');
const statusOf = (v: { checks: { name: string; status: string }[] }, n: string) =>
  v.checks.find((c) => c.name === n)?.status;
const evidenceOf = (v: { checks: { name: string; evidence: string }[] }, n: string) =>
  v.checks.find((c) => c.name === n)?.evidence ?? '';
// Computed with node:crypto, independently of the verifier's own parsing.
const realKeySha = createHash('sha256')
  .update(new X509Certificate(REAL_ATTESTATION).publicKey.export({ type: 'spki', format: 'der' }))
  .digest('hex');

describe('YubiHSM 2 attestation on real device output', () => {
  it('pins the Yubico YubiHSM Root CA by SHA-256, self-signed, valid to 2071', () => {
    const root = pinnedYubiHsmRoot();
    expect(createHash('sha256').update(Buffer.from(root.rawData)).digest('hex')).toBe(
      YUBIHSM_ROOT_SHA256,
    );
    expect(root.subject).toBe('CN=Yubico YubiHSM Root CA');
    expect(root.notAfter.toISOString()).toBe('2071-10-05T00:00:00.000Z');
    expect(
      new X509Certificate(Buffer.from(root.rawData)).verify(
        new X509Certificate(Buffer.from(root.rawData)).publicKey,
      ),
    ).toBe(true);
  });

  it("reads the device's claims and verifies its signature; the chain to Yubico waits for the sub-CA", async () => {
    const v = await verifyYubiHsmAttestation({
      attestationPem: REAL_ATTESTATION,
      deviceCertPem: REAL_DEVICE,
      expectedSpkiSha256: realKeySha,
      at: AT,
    });
    expect(v.checks.map((c) => [c.name, c.status])).toEqual([
      ['device-signature', 'pass'],
      ['device-chain', 'unknown'],
      ['same-device', 'pass'],
      ['origin', 'pass'],
      ['export', 'pass'],
      ['key-match', 'pass'],
    ]);
    expect(evidenceOf(v, 'device-chain')).toContain(
      'https://developers.yubico.com/YubiHSM2/Concepts/E45DA5F361B091B30D8F2C6FA040DB6FEF57918E.pem',
    );
    expect(evidenceOf(v, 'export')).toContain('0x0000000000000080');
    expect(v.subject.label).toBe('hsmaudit-test (object 0x7e57)');
    expect(v.notes[0]).toBe('Device 31650425, firmware 2.4.0, domains 1.');
    expect(v).toMatchObject({ overall: 'unknown', matchesCeremonyKey: true, vendor: 'yubihsm2' });
  });

  it('fails on a flipped byte in the signature, and on another key than the ceremony holds', async () => {
    const der = Buffer.from(new X509Certificate(REAL_ATTESTATION).raw);
    der[der.length - 10]! ^= 0x01;
    const flipped = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----`;
    const v = await verifyYubiHsmAttestation({
      attestationPem: flipped,
      deviceCertPem: REAL_DEVICE,
      at: AT,
    });
    expect(statusOf(v, 'device-signature')).toBe('fail');
    const other = await verifyYubiHsmAttestation({
      attestationPem: REAL_ATTESTATION,
      deviceCertPem: REAL_DEVICE,
      expectedSpkiSha256: 'ab'.repeat(32),
      at: AT,
    });
    expect(statusOf(other, 'key-match')).toBe('fail');
    expect(other.matchesCeremonyKey).toBe(false);
  });
});

// --- SYNTHETIC Yubico-shaped PKI (names say so) ---
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const key = () =>
  webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const der = (n: asn1js.AsnType) => n.toBER(false);
const bitString = (bytes: number[]) =>
  der(new asn1js.BitString({ valueHex: new Uint8Array(bytes).buffer }));

async function cert(
  subject: string,
  issuer: string,
  pub: CryptoKey,
  signer: CryptoKey,
  ext: x509.Extension[] = [],
) {
  return (
    await x509.X509CertificateGenerator.create({
      subject,
      issuer,
      publicKey: pub,
      signingKey: signer,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
      signingAlgorithm: alg,
      extensions: ext,
    })
  ).toString('pem');
}

function claims(o: { serial?: number; origin?: number; caps?: number[] }): x509.Extension[] {
  return [
    new x509.Extension(
      YUBICO_OIDS.firmware,
      false,
      der(new asn1js.OctetString({ valueHex: new Uint8Array([2, 4, 0]).buffer })),
    ),
    new x509.Extension(
      YUBICO_OIDS.serial,
      false,
      der(new asn1js.Integer({ value: o.serial ?? 12345678 })),
    ),
    new x509.Extension(YUBICO_OIDS.origin, false, bitString([o.origin ?? 0x01])),
    new x509.Extension(YUBICO_OIDS.domains, false, bitString([0, 1])),
    new x509.Extension(
      YUBICO_OIDS.capabilities,
      false,
      bitString(o.caps ?? [0, 0, 0, 0, 0, 0, 0, 0x80]),
    ),
    new x509.Extension(YUBICO_OIDS.objectId, false, der(new asn1js.Integer({ value: 0x42 }))),
    new x509.Extension(
      YUBICO_OIDS.label,
      false,
      der(new asn1js.Utf8String({ value: 'SYNTHETIC key' })),
    ),
  ];
}

const ROOT = 'CN=SYNTHETIC YubiHSM Root CA (test only)';
const SUB = 'CN=SYNTHETIC YubiHSM Sub-CA (test only)';
const DEV = 'CN=YubiHSM Attestation (12345678)';
let k: Record<'root' | 'sub' | 'dev' | 'leaf' | 'other', CryptoKeyPair>;
let pem: { root: string; sub: string; dev: string };

beforeAll(async () => {
  const [root, sub, dev, leaf, other] = await Promise.all([key(), key(), key(), key(), key()]);
  k = { root: root!, sub: sub!, dev: dev!, leaf: leaf!, other: other! };
  pem = {
    root: await cert(ROOT, ROOT, k.root.publicKey, k.root.privateKey),
    sub: await cert(SUB, ROOT, k.sub.publicKey, k.root.privateKey),
    dev: await cert(DEV, SUB, k.dev.publicKey, k.sub.privateKey),
  };
});

async function attest(o: Parameters<typeof claims>[0] = {}, signer: CryptoKey = k.dev.privateKey) {
  return verifyYubiHsmAttestation({
    attestationPem: await cert(
      'CN=YubiHSM Attestation id:0x0042',
      DEV,
      k.leaf.publicKey,
      signer,
      claims(o),
    ),
    deviceCertPem: pem.dev,
    intermediatesPem: pem.sub,
    rootPem: pem.root,
    at: AT,
  });
}

describe('YubiHSM 2 attestation refusals (synthetic PKI)', () => {
  it('passes a generated, non-exportable key on a device chaining to the supplied root', async () => {
    const v = await attest();
    expect(v.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(v.overall).toBe('pass');
  });

  it('an imported key is reported as imported and fails origin (0x02 and 0x11 alike)', async () => {
    const imported = await attest({ origin: 0x02 });
    expect(evidenceOf(imported, 'origin')).toContain('imported');
    expect(statusOf(imported, 'origin')).toBe('fail');
    // Generated elsewhere, exported under wrap and imported here.
    const rewrapped = await attest({ origin: 0x11 });
    expect(statusOf(rewrapped, 'origin')).toBe('fail');
    expect(evidenceOf(rewrapped, 'origin')).toContain('imported-wrapped');
  });

  it('exportable-under-wrap fails the export check', async () => {
    const v = await attest({ caps: [0, 0, 0, 0, 0, 1, 0, 0x80] });
    expect(statusOf(v, 'export')).toBe('fail');
    expect(evidenceOf(v, 'export')).toContain('exportable-under-wrap');
  });

  it("another device's serial fails same-device; a foreign signer fails device-signature", async () => {
    expect(statusOf(await attest({ serial: 87654321 }), 'same-device')).toBe('fail');
    expect(statusOf(await attest({}, k.other.privateKey), 'device-signature')).toBe('fail');
  });

  it('a sub-CA not signed by the root fails device-chain', async () => {
    const forgedSub = await cert(SUB, ROOT, k.sub.publicKey, k.other.privateKey);
    const v = await verifyYubiHsmAttestation({
      attestationPem: await cert(
        'CN=YubiHSM Attestation id:0x0042',
        DEV,
        k.leaf.publicKey,
        k.dev.privateKey,
        claims({}),
      ),
      deviceCertPem: pem.dev,
      intermediatesPem: forgedSub,
      rootPem: pem.root,
      at: AT,
    });
    expect(statusOf(v, 'device-chain')).toBe('fail');
    expect(evidenceOf(v, 'device-chain')).toContain('is not signed by the root you supplied');
  });

  it('input that is not a certificate fails the certificates check', async () => {
    const v = await verifyYubiHsmAttestation({
      attestationPem: 'nope',
      deviceCertPem: REAL_DEVICE,
      at: AT,
    });
    expect(v.checks).toEqual([expect.objectContaining({ name: 'certificates', status: 'fail' })]);
  });
});
