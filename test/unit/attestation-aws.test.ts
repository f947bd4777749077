// AWS CloudHSM cluster identity over DescribeClusters certificate fields. SYNTHETIC: AWS's and
// the manufacturer's roots are not pinned in this repository yet, so every certificate here is
// made up with @peculiar/x509 to exercise the structure (HSM cert ← hardware cert ← root, twice,
// and the CSR key); it says nothing about real AWS roots, which must be pinned before use.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCloudHsmIdentity } from '../../src/main/attestation';
import type { CloudHsmClusterCertificates, CloudHsmRoots } from '../../src/main/attestation';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const newKey = () =>
  webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const AT = new Date('2026-06-01T00:00:00Z');

async function cert(subject: string, issuer: string, key: CryptoKeyPair, signer: CryptoKeyPair) {
  const c = await x509.X509CertificateGenerator.create({
    subject,
    issuer,
    publicKey: key.publicKey,
    signingKey: signer.privateKey,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2030-01-01T00:00:00Z'),
    signingAlgorithm: alg,
  });
  return c.toString('pem');
}

async function csr(key: CryptoKeyPair) {
  const r = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=SYNTHETIC cluster',
    keys: key,
    signingAlgorithm: alg,
  });
  return r.toString('pem');
}

let certs: CloudHsmClusterCertificates;
let roots: CloudHsmRoots;
let keys: Record<'awsRoot' | 'mfrRoot' | 'hardware' | 'hsm' | 'other', CryptoKeyPair>;

beforeAll(async () => {
  const [awsRoot, mfrRoot, hardware, hsm, other] = await Promise.all([
    newKey(),
    newKey(),
    newKey(),
    newKey(),
    newKey(),
  ]);
  keys = { awsRoot: awsRoot!, mfrRoot: mfrRoot!, hardware: hardware!, hsm: hsm!, other: other! };
  const AWS = 'CN=SYNTHETIC AWS CloudHSM root';
  const MFR = 'CN=SYNTHETIC manufacturer root';
  const HW = 'CN=SYNTHETIC HSM hardware';
  roots = {
    awsRoot: {
      name: 'SYNTHETIC AWS CloudHSM root',
      pem: await cert(AWS, AWS, keys.awsRoot, keys.awsRoot),
    },
    manufacturerRoot: {
      name: 'SYNTHETIC manufacturer root',
      pem: await cert(MFR, MFR, keys.mfrRoot, keys.mfrRoot),
    },
  };
  certs = {
    HsmCertificate: await cert('CN=SYNTHETIC HSM', HW, keys.hsm, keys.hardware),
    AwsHardwareCertificate: await cert(HW, AWS, keys.hardware, keys.awsRoot),
    ManufacturerHardwareCertificate: await cert(HW, MFR, keys.hardware, keys.mfrRoot),
    ClusterCsr: await csr(keys.hsm),
  };
});

describe('AWS CloudHSM cluster identity (synthetic chain, structure only)', () => {
  it('passes when the HSM certificate chains to both roots and the CSR carries its key', async () => {
    const v = await verifyCloudHsmIdentity(certs, roots, {
      at: AT,
      uri: 'awscloudhsm://eu-west-1/cluster-synthetic',
    });
    expect(v.checks.map((c) => [c.name, c.status])).toEqual([
      ['aws-chain', 'pass'],
      ['manufacturer-chain', 'pass'],
      ['hardware-certificates', 'pass'],
      ['csr-key', 'pass'],
    ]);
    expect(v).toMatchObject({
      vendor: 'aws-cloudhsm',
      overall: 'pass',
      validatedAt: '2026-06-01T00:00:00Z',
    });
    expect(v.subject.uri).toBe('awscloudhsm://eu-west-1/cluster-synthetic');
  });

  it('fails when the CSR carries another key than the HSM certificate', async () => {
    const v = await verifyCloudHsmIdentity({ ...certs, ClusterCsr: await csr(keys.other) }, roots, {
      at: AT,
    });
    expect(v.overall).toBe('fail');
    expect(v.checks.find((c) => c.name === 'csr-key')?.evidence).toContain(
      'is not the HSM certificate key',
    );
  });

  it('fails when the HSM certificate was signed by another hardware key', async () => {
    const forged = await cert(
      'CN=SYNTHETIC HSM',
      'CN=SYNTHETIC HSM hardware',
      keys.hsm,
      keys.other,
    );
    const v = await verifyCloudHsmIdentity({ ...certs, HsmCertificate: forged }, roots, { at: AT });
    expect(v.checks.find((c) => c.name === 'aws-chain')?.status).toBe('fail');
    expect(v.checks.find((c) => c.name === 'manufacturer-chain')?.status).toBe('fail');
  });

  it('fails when the roots are swapped or the hardware certificates are exchanged', async () => {
    const swapped = { awsRoot: roots.manufacturerRoot, manufacturerRoot: roots.awsRoot };
    expect((await verifyCloudHsmIdentity(certs, swapped, { at: AT })).overall).toBe('fail');
    const exchanged = { ...certs, AwsHardwareCertificate: certs.ManufacturerHardwareCertificate };
    const v = await verifyCloudHsmIdentity(exchanged, roots, { at: AT });
    expect(v.checks.find((c) => c.name === 'aws-chain')?.status).toBe('fail');
  });

  it("fails outside the certificates' validity and on input that is not PEM", async () => {
    expect(
      (await verifyCloudHsmIdentity(certs, roots, { at: new Date('2031-01-01T00:00:00Z') }))
        .overall,
    ).toBe('fail');
    const v = await verifyCloudHsmIdentity(
      { ...certs, HsmCertificate: 'not a certificate' },
      roots,
      { at: AT },
    );
    expect(v.checks).toEqual([expect.objectContaining({ name: 'certificates', status: 'fail' })]);
  });
});
