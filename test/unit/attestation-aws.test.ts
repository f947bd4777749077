// AWS CloudHSM cluster identity over DescribeClusters certificate fields. SYNTHETIC: every
// certificate here is made per run by test/fakes/aws/synthetic-pki.ts (real RSA PKI, names marked
// SYNTHETIC), because no live cluster's certificates are available; the real pinned AWS root is
// tested in attestation-aws-roots.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCloudHsmIdentity } from '../../src/main/attestation/aws/cluster-identity';
import type { CloudHsmRoots, TrustAnchor } from '../../src/main/attestation/aws/cluster-identity';
import { formatVerdict } from '../../src/main/attestation/format';
import {
  csrFor,
  issue,
  newKey,
  SYNTHETIC_NAMES as N,
  syntheticPki,
} from '../fakes/aws/synthetic-pki';
import type { SyntheticPki } from '../fakes/aws/synthetic-pki';

const AT = new Date('2026-06-01T00:00:00Z');
const anchor = (name: string, pem: string, pinned = false): TrustAnchor => ({ name, pem, pinned });

let pki: SyntheticPki;
let other: SyntheticPki;
let roots: CloudHsmRoots;

const statusOf = (v: { checks: { name: string; status: string }[] }, name: string) =>
  v.checks.find((c) => c.name === name)?.status;
const evidenceOf = (v: { checks: { name: string; evidence: string }[] }, name: string) =>
  v.checks.find((c) => c.name === name)?.evidence ?? '';

beforeAll(async () => {
  [pki, other] = await Promise.all([syntheticPki(), syntheticPki()]);
  roots = {
    aws: [anchor('SYNTHETIC AWS root', pki.awsRootPem)],
    manufacturer: [anchor('SYNTHETIC manufacturer root', pki.manufacturerRootPem)],
  };
});

describe('CloudHSM HSM identity chains (synthetic PKI)', () => {
  it('passes when the HSM certificate chains to both roots and the CSR carries its key', async () => {
    const v = await verifyCloudHsmIdentity(pki.certificates, roots, {
      at: AT,
      uri: 'awscloudhsm://eu-west-1/cluster-synthetic',
      clusterState: 'UNINITIALIZED',
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
    expect(v.boundPublicKey?.spkiSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(formatVerdict(v)).toContain('Attestation verdict: PASS (aws-cloudhsm)');
  });

  it('a swapped AWS hardware certificate (another HSM, same AWS root) fails aws-chain and hardware-certificates', async () => {
    const v = await verifyCloudHsmIdentity(
      { ...pki.certificates, AwsHardwareCertificate: other.certificates.AwsHardwareCertificate },
      { ...roots, aws: [anchor('SYNTHETIC AWS root', other.awsRootPem)] },
      { at: AT },
    );
    expect(v.overall).toBe('fail');
    expect(statusOf(v, 'aws-chain')).toBe('fail');
    expect(evidenceOf(v, 'aws-chain')).toContain('is not signed by the AWS hardware certificate');
    expect(statusOf(v, 'manufacturer-chain')).toBe('pass');
    expect(statusOf(v, 'hardware-certificates')).toBe('fail');
  });

  it('a wrong manufacturer root (same name, other key) fails manufacturer-chain only', async () => {
    const v = await verifyCloudHsmIdentity(
      pki.certificates,
      {
        ...roots,
        manufacturer: [anchor('manufacturer root you supplied', other.manufacturerRootPem)],
      },
      { at: AT },
    );
    expect(v.overall).toBe('fail');
    expect(statusOf(v, 'aws-chain')).toBe('pass');
    expect(statusOf(v, 'manufacturer-chain')).toBe('fail');
    expect(evidenceOf(v, 'manufacturer-chain')).toContain(
      'is not signed by the manufacturer root you supplied',
    );
  });

  it('a manufacturer root with another name: fail when supplied, unknown when only pinned roots were offered', async () => {
    const key = await newKey();
    const stranger = await issue(
      'CN=SYNTHETIC unrelated root',
      'CN=SYNTHETIC unrelated root',
      key.publicKey,
      key.privateKey,
    );
    const supplied = await verifyCloudHsmIdentity(
      pki.certificates,
      { ...roots, manufacturer: [anchor('manufacturer root you supplied', stranger)] },
      { at: AT },
    );
    expect(statusOf(supplied, 'manufacturer-chain')).toBe('fail');
    const pinned = await verifyCloudHsmIdentity(
      pki.certificates,
      { ...roots, manufacturer: [anchor('pinned root', stranger, true)] },
      { at: AT },
    );
    expect(statusOf(pinned, 'manufacturer-chain')).toBe('unknown');
    expect(evidenceOf(pinned, 'manufacturer-chain')).toContain('unknown: no pinned root');
    expect(pinned.overall).toBe('unknown');
  });

  it('a CSR made with another key fails csr-key and names both keys', async () => {
    const v = await verifyCloudHsmIdentity(
      { ...pki.certificates, ClusterCsr: await csrFor(await newKey()) },
      roots,
      { at: AT },
    );
    expect(v.overall).toBe('fail');
    expect(statusOf(v, 'csr-key')).toBe('fail');
    expect(evidenceOf(v, 'csr-key')).toMatch(
      /cluster CSR key sha256:[0-9a-f]{64} is not the HSM certificate key sha256:/,
    );
    expect(v.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['csr-key']);
  });

  it('an expired HSM certificate fails both chains, naming the certificate and its validity', async () => {
    const expiredHsm = await issue(
      N.hsm,
      N.hardware,
      pki.keys.hsm.publicKey,
      pki.keys.hardware.privateKey,
      {
        notBefore: new Date('2024-01-01T00:00:00Z'),
        notAfter: new Date('2025-01-01T00:00:00Z'),
      },
    );
    const v = await verifyCloudHsmIdentity(
      { ...pki.certificates, HsmCertificate: expiredHsm },
      roots,
      { at: AT },
    );
    expect(statusOf(v, 'aws-chain')).toBe('fail');
    expect(statusOf(v, 'manufacturer-chain')).toBe('fail');
    expect(evidenceOf(v, 'aws-chain')).toContain(
      'is not valid at 2026-06-01T00:00:00Z (valid 2024-01-01T00:00:00Z to 2025-01-01T00:00:00Z)',
    );
  });

  it('an expired pinned root is used at the HSM certificate issue time, and the notes say so', async () => {
    const key = await newKey();
    const oldRoot = await issue(
      N.manufacturerRoot,
      N.manufacturerRoot,
      key.publicKey,
      key.privateKey,
      {
        notBefore: new Date('2020-01-01T00:00:00Z'),
        notAfter: new Date('2025-11-16T13:55:25Z'),
      },
    );
    const window = {
      notBefore: new Date('2023-06-01T00:00:00Z'),
      notAfter: new Date('2025-11-16T13:55:25Z'),
    };
    const hw = await issue(
      N.hardware,
      N.manufacturerRoot,
      pki.keys.hardware.publicKey,
      key.privateKey,
      window,
    );
    const certs = { ...pki.certificates, ManufacturerHardwareCertificate: hw };
    const pinned = {
      ...roots,
      manufacturer: [anchor('SYNTHETIC expired pinned root', oldRoot, true)],
    };
    const v = await verifyCloudHsmIdentity(certs, pinned, {});
    expect(statusOf(v, 'manufacturer-chain')).toBe('pass');
    expect(evidenceOf(v, 'manufacturer-chain')).toContain('checked at 2024-01-01T00:00:00Z');
    expect(v.notes.join(' ')).toContain('expired on 2025-11-16T13:55:25Z');
    // With an instant named by the caller there is no fallback.
    expect(
      statusOf(await verifyCloudHsmIdentity(certs, pinned, { at: AT }), 'manufacturer-chain'),
    ).toBe('fail');
    // A root the user supplied gets no such allowance either.
    const supplied = { ...roots, manufacturer: [anchor('supplied root', oldRoot)] };
    expect(statusOf(await verifyCloudHsmIdentity(certs, supplied, {}), 'manufacturer-chain')).toBe(
      'fail',
    );
  });

  it('input that is not PEM fails the certificates check, naming the field', async () => {
    const v = await verifyCloudHsmIdentity(
      { ...pki.certificates, HsmCertificate: 'not a certificate' },
      roots,
      { at: AT },
    );
    expect(v.checks).toEqual([expect.objectContaining({ name: 'certificates', status: 'fail' })]);
    expect(v.checks[0]?.evidence).toContain('HsmCertificate');
  });
});

describe('initialised clusters: the cluster certificate and the customer CA', () => {
  async function initialised(caKey: CryptoKeyPair) {
    const caPem = await issue(
      N.customerCa,
      N.customerCa,
      caKey.publicKey,
      caKey.privateKey,
      undefined,
      true,
    );
    const cluster = await issue(
      'CN=SYNTHETIC cluster certificate',
      N.customerCa,
      pki.keys.hsm.publicKey,
      caKey.privateKey,
    );
    return { caPem, cluster };
  }

  it('checks the cluster certificate against the CA the user supplies: pass for the right one, fail for another', async () => {
    const ca = await newKey();
    const { caPem, cluster } = await initialised(ca);
    // After initialisation AWS returns only the cluster certificate.
    const certs = { ClusterCertificate: cluster };
    const good = await verifyCloudHsmIdentity(
      certs,
      { ...roots, clusterCa: anchor('the cluster CA you supplied', caPem) },
      { at: AT },
    );
    expect(statusOf(good, 'cluster-certificate')).toBe('pass');
    expect(evidenceOf(good, 'cluster-certificate')).toContain('SYNTHETIC customer issuing CA');
    expect(statusOf(good, 'aws-chain')).toBe('unknown');
    expect(evidenceOf(good, 'aws-chain')).toContain('only until the cluster is initialised');
    expect(good.overall).toBe('unknown');

    const { caPem: otherCa } = await initialised(await newKey());
    const bad = await verifyCloudHsmIdentity(
      certs,
      { ...roots, clusterCa: anchor('the cluster CA you supplied', otherCa) },
      { at: AT },
    );
    expect(statusOf(bad, 'cluster-certificate')).toBe('fail');
    expect(bad.overall).toBe('fail');

    const none = await verifyCloudHsmIdentity(certs, roots, { at: AT });
    expect(statusOf(none, 'cluster-certificate')).toBe('unknown');
    expect(evidenceOf(none, 'cluster-certificate')).toContain(`issued by "${N.customerCa}"`);
  });

  it('fails a cluster certificate that certifies another key than the HSM certificate', async () => {
    const ca = await newKey();
    const caPem = await issue(
      N.customerCa,
      N.customerCa,
      ca.publicKey,
      ca.privateKey,
      undefined,
      true,
    );
    const stranger = await issue(
      'CN=SYNTHETIC cluster certificate',
      N.customerCa,
      (await newKey()).publicKey,
      ca.privateKey,
    );
    const v = await verifyCloudHsmIdentity(
      { ...pki.certificates, ClusterCertificate: stranger },
      { ...roots, clusterCa: anchor('the cluster CA you supplied', caPem) },
      { at: AT },
    );
    expect(statusOf(v, 'cluster-certificate')).toBe('fail');
    expect(evidenceOf(v, 'cluster-certificate')).toContain("not the HSM's key");
  });
});
