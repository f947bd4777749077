// AWS CloudHSM through the facade (service.aws) with the official SDK client pointed at a
// loopback fake speaking JSON 1.1 and verifying every SigV4 signature. Certificates are a
// SYNTHETIC PKI made per run (test/fakes/aws/synthetic-pki.ts); no live cluster is reachable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instanceMetadataPolicy } from '../../src/main/hsm/aws/client';
import { CeremonyService } from '../../src/main/service/index';
import { startFakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import type { FakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import { setAwsCredentials } from '../fakes/aws/env';
import {
  issue,
  newKey,
  SYNTHETIC_NAMES,
  syntheticPki,
  wireCluster,
} from '../fakes/aws/synthetic-pki';
import type { SyntheticPki } from '../fakes/aws/synthetic-pki';

const REGION = 'eu-west-1';
const KEY = {
  accessKeyId: 'AKIASYNTHETICTEST01',
  secretAccessKey: 'synthetic/secret/for/tests/only/0000000',
};
const ID = 'cluster-abcdefghijk';
const dir = mkdtempSync(join(tmpdir(), 'olocus-aws-'));

let pki: SyntheticPki;
let fake: FakeCloudHsm;
let service: CeremonyService;
let access: { endpoint: string };

const setCredentials = (keys: { accessKeyId: string; secretAccessKey: string } | null) =>
  setAwsCredentials(dir, keys);

const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(async () => {
  pki = await syntheticPki();
  const clusters = [
    wireCluster(ID, pki.certificates),
    ...[
      'cluster-bbbbbbbbbbb',
      'cluster-ccccccccccc',
      'cluster-ddddddddddd',
      'cluster-eeeeeeeeeee',
    ].map((id) => wireCluster(id, {}, { State: 'ACTIVE', HsmType: 'hsm2m.medium' })),
  ];
  const backups = Array.from({ length: 5 }, (_, i) => ({
    BackupId: `backup-synthetic${i}`,
    BackupState: i === 4 ? 'CREATE_IN_PROGRESS' : 'READY',
    ClusterId: ID,
    CreateTimestamp: 1767225600 + i * 86400,
    NeverExpires: i === 0,
  }));
  backups.push({
    BackupId: 'backup-otherclust',
    BackupState: 'READY',
    ClusterId: 'cluster-bbbbbbbbbbb',
    CreateTimestamp: 1767225600,
    NeverExpires: false,
  });
  fake = await startFakeCloudHsm({
    region: REGION,
    credentials: [KEY],
    clusters,
    backups,
    pageSize: 2,
  });
  access = { endpoint: fake.endpoint };
  service = new CeremonyService();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => setCredentials(KEY));
afterEach(() => setCredentials(null));

describe('AWS CloudHSM clusters and backups through the SDK', () => {
  it('lists every cluster across NextToken pages with HSMs, HSM type and backup policy', async () => {
    fake.requests.length = 0;
    const clusters = await service.aws.listClusters(REGION, access);
    expect(clusters.map((c) => c.clusterId)).toEqual([
      ID,
      'cluster-bbbbbbbbbbb',
      'cluster-ccccccccccc',
      'cluster-ddddddddddd',
      'cluster-eeeeeeeeeee',
    ]);
    // 5 clusters at 2 a page: three signed requests, the last two carrying NextToken.
    expect(fake.requests.map((r) => [r.target, r.outcome, r.body.NextToken !== undefined])).toEqual(
      [
        ['BaldrApiService.DescribeClusters', 'ok', false],
        ['BaldrApiService.DescribeClusters', 'ok', true],
        ['BaldrApiService.DescribeClusters', 'ok', true],
      ],
    );
    expect(clusters[0]).toMatchObject({
      uri: `awscloudhsm://${REGION}/${ID}`,
      state: 'UNINITIALIZED',
      hsmType: 'hsm1.medium',
      backupPolicy: 'DEFAULT',
      backupRetention: { type: 'DAYS', value: '90' },
      createdAt: '2026-01-01T00:00:00.123Z',
      hsms: [{ availabilityZone: 'eu-west-1a', ip: '10.0.1.10', state: 'ACTIVE' }],
      certificates: [
        'ClusterCsr',
        'HsmCertificate',
        'AwsHardwareCertificate',
        'ManufacturerHardwareCertificate',
      ],
    });
    expect(clusters[1]).toMatchObject({
      state: 'ACTIVE',
      hsmType: 'hsm2m.medium',
      certificates: [],
    });
  });

  it("lists one cluster's backups across pages, oldest first, and no other cluster's", async () => {
    fake.requests.length = 0;
    const backups = await service.aws.listBackups(`awscloudhsm://${REGION}/${ID}`, access);
    expect(backups.map((b) => b.backupId)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `backup-synthetic${i}`),
    );
    expect(backups[0]).toMatchObject({
      state: 'READY',
      neverExpires: true,
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(backups[4]?.state).toBe('CREATE_IN_PROGRESS');
    expect(
      fake.requests.filter((r) => r.target === 'BaldrApiService.DescribeBackups'),
    ).toHaveLength(3);
    expect(fake.requests[0]?.body).toMatchObject({
      Filters: { clusterIds: [ID] },
      SortAscending: true,
    });
  });

  it('names a cluster the credentials cannot see (code 103) and refuses a malformed address (108)', async () => {
    await expect(
      service.aws.describeCluster(`awscloudhsm://${REGION}/cluster-zzzzzzzzzzz`, access),
    ).rejects.toMatchObject({
      code: 103,
      message: expect.stringContaining('No CloudHSM cluster cluster-zzzzzzzzzzz in eu-west-1'),
    });
    await expect(
      service.aws.listBackups('awscloudhsm://eu-west-1/not-a-cluster', access),
    ).rejects.toMatchObject({ code: 108 });
    await expect(service.aws.listClusters('Europe', access)).rejects.toMatchObject({ code: 108 });
  });

  it('refuses plain http to anything but loopback before any request is made', async () => {
    fake.requests.length = 0;
    await expect(
      service.aws.listClusters(REGION, { endpoint: 'http://cloudhsmv2.example.com' }),
    ).rejects.toMatchObject({
      code: 108,
      message: expect.stringContaining('only https is accepted'),
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('AWS credentials', () => {
  it('a wrong secret key is refused by the signature check: code 102 naming InvalidSignatureException', async () => {
    setCredentials({
      accessKeyId: KEY.accessKeyId,
      secretAccessKey: 'not-the-secret-for-this-key-0000000000',
    });
    fake.requests.length = 0;
    await expect(service.aws.listClusters(REGION, access)).rejects.toMatchObject({
      code: 102,
      message: expect.stringContaining('InvalidSignatureException'),
    });
    expect(fake.requests.map((r) => r.outcome)).toEqual(['InvalidSignatureException']);
  });

  it('an unknown access key is refused: code 102 naming UnrecognizedClientException', async () => {
    setCredentials({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: KEY.secretAccessKey });
    await expect(service.aws.listClusters(REGION, access)).rejects.toMatchObject({
      code: 102,
      message: expect.stringContaining('UnrecognizedClientException'),
    });
  });

  it('no credentials at all: a clear sentence quickly, and the EC2 metadata service is not asked', async () => {
    setCredentials(null);
    let imdsHits = 0;
    const imds = createServer((req, res) => {
      imdsHits++;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
    // Were the chain to probe the metadata service, it would come here, not to 169.254.169.254.
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
    fake.requests.length = 0;
    try {
      const started = Date.now();
      const err = await service.aws.listClusters(REGION, access).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err).toMatchObject({
        code: 102,
        message: expect.stringContaining('No AWS credentials were found'),
      });
      expect(imdsHits).toBe(0);
      expect(fake.requests).toHaveLength(0);
      expect(process.env.AWS_EC2_METADATA_DISABLED).toBeUndefined();
      // Asked for (an EC2 instance with a role), the chain does go to the metadata service.
      await service.aws
        .listClusters(REGION, { ...access, instanceMetadata: true })
        .catch(() => undefined);
      expect(imdsHits).toBeGreaterThan(0);
    } finally {
      imds.closeAllConnections();
      await new Promise<void>((r) => imds.close(() => r()));
    }
  });
  it("whoever configured the metadata service decides: the user's settings win over Olocus's default", () => {
    expect(instanceMetadataPolicy({}, {})).toEqual({ asked: false, decidedBy: 'olocus' });
    expect(instanceMetadataPolicy({ instanceMetadata: true }, {})).toEqual({
      asked: true,
      decidedBy: 'olocus',
    });
    expect(
      instanceMetadataPolicy({ instanceMetadata: true }, { AWS_EC2_METADATA_DISABLED: 'true' }),
    ).toEqual({
      asked: false,
      decidedBy: 'user',
    });
    // Empty means unset, as the SDK reads it.
    expect(instanceMetadataPolicy({}, { AWS_EC2_METADATA_DISABLED: '' })).toEqual({
      asked: false,
      decidedBy: 'olocus',
    });
    // Container credentials (ECS, EKS pod identity) are a configuration; the SDK uses them, not EC2's.
    expect(
      instanceMetadataPolicy(
        {},
        { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' },
      ),
    ).toEqual({
      asked: true,
      decidedBy: 'user',
    });
  });
});

describe('attest cluster through DescribeClusters (synthetic roots passed as files)', () => {
  it('passes when both chains, the hardware key and the CSR key hold', async () => {
    const v = await service.aws.attestCluster({
      ...access,
      cluster: `awscloudhsm://${REGION}/${ID}`,
      awsRootFile: file('aws-root.pem', pki.awsRootPem),
      manufacturerRootFile: file('mfr-root.pem', pki.manufacturerRootPem),
    });
    expect(v.checks.map((c) => [c.name, c.status])).toEqual([
      ['aws-chain', 'pass'],
      ['manufacturer-chain', 'pass'],
      ['hardware-certificates', 'pass'],
      ['csr-key', 'pass'],
    ]);
    expect(v).toMatchObject({
      overall: 'pass',
      vendor: 'aws-cloudhsm',
      subject: { uri: `awscloudhsm://${REGION}/${ID}` },
    });
    expect(v.notes.join(' ')).toContain('state UNINITIALIZED');
  });

  it('without roots given, the real pinned roots do not vouch for synthetic certificates: unknown, not pass', async () => {
    const v = await service.aws.attestCluster({
      ...access,
      cluster: `awscloudhsm://${REGION}/${ID}`,
    });
    expect(v.overall).toBe('unknown');
    expect(v.checks.find((c) => c.name === 'aws-chain')?.evidence).toContain('no pinned root');
    expect(v.checks.find((c) => c.name === 'manufacturer-chain')?.evidence).toContain(
      'no pinned root',
    );
  });

  it('an unreadable root file is bad input (108) and costs no request', async () => {
    fake.requests.length = 0;
    await expect(
      service.aws.attestCluster({
        ...access,
        cluster: `awscloudhsm://${REGION}/${ID}`,
        awsRootFile: join(dir, 'missing.pem'),
      }),
    ).rejects.toMatchObject({ code: 108, message: expect.stringContaining('missing.pem') });
    expect(fake.requests).toHaveLength(0);
  });

  it('an initialised cluster: the cluster certificate is checked against --cluster-ca; the HSM chains are unknown', async () => {
    const ca = await newKey();
    const N = SYNTHETIC_NAMES;
    const caPem = await issue(
      N.customerCa,
      N.customerCa,
      ca.publicKey,
      ca.privateKey,
      undefined,
      true,
    );
    const clusterCert = await issue(
      'CN=SYNTHETIC cluster certificate',
      N.customerCa,
      pki.keys.hsm.publicKey,
      ca.privateKey,
    );
    const id = 'cluster-initialised1';
    fake.clusters.push(wireCluster(id, { ClusterCertificate: clusterCert }, { State: 'ACTIVE' }));
    const v = await service.aws.attestCluster({
      ...access,
      cluster: `awscloudhsm://${REGION}/${id}`,
      clusterCaFile: file('ca.pem', caPem),
    });
    expect(v.checks.map((c) => [c.name, c.status])).toEqual([
      ['aws-chain', 'unknown'],
      ['manufacturer-chain', 'unknown'],
      ['csr-key', 'unknown'],
      ['cluster-certificate', 'pass'],
    ]);
    const other = await newKey();
    const otherCa = await issue(
      N.customerCa,
      N.customerCa,
      other.publicKey,
      other.privateKey,
      undefined,
      true,
    );
    const bad = await service.aws.attestCluster({
      ...access,
      cluster: `awscloudhsm://${REGION}/${id}`,
      clusterCaFile: file('other-ca.pem', otherCa),
    });
    expect(bad.overall).toBe('fail');
    expect(bad.checks.find((c) => c.name === 'cluster-certificate')?.status).toBe('fail');
  });

  it('a validation time that is not ISO 8601 is bad input (108)', async () => {
    await expect(
      service.aws.attestCluster({
        ...access,
        cluster: `awscloudhsm://${REGION}/${ID}`,
        at: 'yesterday',
      }),
    ).rejects.toMatchObject({ code: 108 });
  });
});
