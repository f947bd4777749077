// The aws and attest cluster commands as a user runs them: the CLI subprocess, its SDK client
// pointed at the loopback CloudHSM fake (JSON 1.1, SigV4 verified), credentials in its
// environment. Certificates are a SYNTHETIC PKI made per run; no live cluster is reachable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { startFakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import type { FakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import { csrFor, newKey, syntheticPki, wireCluster } from '../fakes/aws/synthetic-pki';
import type { SyntheticPki } from '../fakes/aws/synthetic-pki';

const REGION = 'eu-west-1';
const KEY = {
  accessKeyId: 'AKIASYNTHETICCLI0001',
  secretAccessKey: 'synthetic/cli/secret/for/tests/only/00000',
};
const GOOD = 'cluster-goodgoodgoo';
const BAD_CSR = 'cluster-badcsrbadcs';
const dir = mkdtempSync(join(tmpdir(), 'olocus-aws-cli-'));

let pki: SyntheticPki;
let fake: FakeCloudHsm;
let imds: Server;
let imdsHits = 0;
let roots: string[];

/** The CLI's environment: only what the test says, isolated from any ~/.aws on this machine. */
function env(
  keys: { accessKeyId: string; secretAccessKey: string } | null,
): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: keys?.accessKeyId ?? '',
    AWS_SECRET_ACCESS_KEY: keys?.secretAccessKey ?? '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_REGION: '',
    AWS_EC2_METADATA_DISABLED: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    HOME: dir,
    // A probe of the metadata service would land here (counted), not on 169.254.169.254.
    AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${(imds.address() as AddressInfo).port}`,
  };
}

const cluster = (id: string) => `awscloudhsm://${REGION}/${id}`;

beforeAll(async () => {
  pki = await syntheticPki();
  const badCsr = { ...pki.certificates, ClusterCsr: await csrFor(await newKey()) };
  fake = await startFakeCloudHsm({
    region: REGION,
    credentials: [KEY],
    clusters: [
      wireCluster(GOOD, pki.certificates),
      wireCluster(BAD_CSR, badCsr),
      wireCluster('cluster-activeactiv', {}, { State: 'ACTIVE', HsmType: 'hsm2m.medium' }),
    ],
    backups: [1, 2, 3].map((i) => ({
      BackupId: `backup-cli${i}`,
      BackupState: 'READY',
      ClusterId: GOOD,
      CreateTimestamp: 1767225600 + i * 3600,
      NeverExpires: false,
    })),
    pageSize: 2,
  });
  imds = createServer((_req, res) => {
    imdsHits++;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
  roots = [
    '--aws-root',
    join(dir, 'aws-root.pem'),
    '--manufacturer-root',
    join(dir, 'mfr-root.pem'),
  ];
  writeFileSync(roots[1]!, pki.awsRootPem);
  writeFileSync(roots[3]!, pki.manufacturerRootPem);
});

afterAll(async () => {
  await fake.close();
  imds.closeAllConnections();
  await new Promise<void>((r) => imds.close(() => r()));
});

describe('olocus-ceremony aws …', () => {
  it('aws clusters --json lists every cluster across pages with its HSMs', async () => {
    const r = await runCli(
      ['aws', 'clusters', '--region', REGION, '--endpoint', fake.endpoint, '--json'],
      { env: env(KEY) },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      region: string;
      clusters: { clusterId: string; hsms: unknown[] }[];
    };
    expect(doc.region).toBe(REGION);
    expect(doc.clusters.map((c) => c.clusterId)).toEqual([GOOD, BAD_CSR, 'cluster-activeactiv']);
    expect(doc.clusters[0]?.hsms).toEqual([
      expect.objectContaining({ availabilityZone: 'eu-west-1a', ip: '10.0.1.10', state: 'ACTIVE' }),
    ]);
  });

  it('aws clusters prints a table of clusters and one of HSMs', async () => {
    const r = await runCli(['aws', 'clusters', '--region', REGION, '--endpoint', fake.endpoint], {
      env: env(KEY),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLUSTER\s+STATE\s+HSM TYPE\s+HSMS\s+BACKUP POLICY\s+VPC/);
    expect(r.stdout).toMatch(
      new RegExp(`${GOOD}\\s+UNINITIALIZED\\s+hsm1\\.medium\\s+1\\s+DEFAULT, 90 DAYS`),
    );
    expect(r.stdout).toMatch(/cluster-activeactiv\s+ACTIVE\s+hsm2m\.medium/);
    expect(r.stdout).toMatch(/hsm-\S+\s+eu-west-1a\s+10\.0\.1\.10\s+ACTIVE/);
  });

  it('aws backups lists the cluster backups oldest first', async () => {
    const r = await runCli(
      ['aws', 'backups', '--cluster', cluster(GOOD), '--endpoint', fake.endpoint, '--json'],
      { env: env(KEY) },
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { backups: { backupId: string; createdAt: string }[] };
    expect(doc.backups.map((b) => b.backupId)).toEqual([
      'backup-cli1',
      'backup-cli2',
      'backup-cli3',
    ]);
    expect(doc.backups[0]?.createdAt).toBe('2026-01-01T01:00:00Z');
  });

  it('aws cluster shows one cluster and which identity certificates AWS returned', async () => {
    const r = await runCli(
      ['aws', 'cluster', '--cluster', cluster(GOOD), '--endpoint', fake.endpoint],
      { env: env(KEY) },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Cluster         ${cluster(GOOD)}`);
    expect(r.stdout).toContain(
      'ClusterCsr, HsmCertificate, AwsHardwareCertificate, ManufacturerHardwareCertificate',
    );
  });

  it('attest cluster passes (exit 0) on a sound chain with the roots given', async () => {
    const r = await runCli(
      [
        'attest',
        'cluster',
        '--cluster',
        cluster(GOOD),
        ...roots,
        '--endpoint',
        fake.endpoint,
        '--json',
      ],
      { env: env(KEY) },
    );
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as {
      overall: string;
      checks: { name: string; status: string }[];
    };
    expect(v.overall).toBe('pass');
    expect(v.checks.map((c) => c.name)).toEqual([
      'aws-chain',
      'manufacturer-chain',
      'hardware-certificates',
      'csr-key',
    ]);
  });

  it('attest cluster exits 1 and names csr-key when the CSR carries another key', async () => {
    const r = await runCli(
      ['attest', 'cluster', '--cluster', cluster(BAD_CSR), ...roots, '--endpoint', fake.endpoint],
      { env: env(KEY) },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Attestation verdict: FAIL (aws-cloudhsm)');
    expect(r.stdout).toMatch(/\[FAIL\s*\] csr-key\s+the cluster CSR key sha256:/);
    expect(r.stdout).toMatch(/\[PASS\s*\] aws-chain/);
  });

  it('attest cluster without roots says "no pinned root" for synthetic chains and exits 1', async () => {
    const r = await runCli(
      ['attest', 'cluster', '--cluster', cluster(GOOD), '--endpoint', fake.endpoint],
      { env: env(KEY) },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Attestation verdict: UNKNOWN (aws-cloudhsm)');
    expect(r.stdout).toContain('unknown: no pinned root for the AWS hardware certificate issuer');
  });

  it('attest --key awscloudhsm:// gives the same cluster verdict, and refuses key-only flags', async () => {
    const good = await runCli(
      ['attest', '--key', cluster(GOOD), '--endpoint', fake.endpoint, '--json'],
      { env: env(KEY) },
    );
    expect(good.code).toBe(1);
    expect((JSON.parse(good.stdout) as { vendor: string; overall: string }).overall).toBe(
      'unknown',
    );
    const bad = await runCli(['attest', '--key', cluster(BAD_CSR), '--endpoint', fake.endpoint], {
      env: env(KEY),
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/\[FAIL\s*\] csr-key/);
    const keyFlag = await runCli(
      ['attest', '--key', cluster(GOOD), '--accept-imported', '--endpoint', fake.endpoint],
      { env: env(KEY) },
    );
    expect(keyFlag.code).toBe(2);
    expect(keyFlag.stderr).toContain('names a cluster');
  });
  it('takes region and cluster from an hsm-config.yaml aws section (--config)', async () => {
    const config = join(dir, 'hsm-config.yaml');
    writeFileSync(
      config,
      `hsm:\n  provider: aws_cloudhsm\n  aws:\n    region: ${REGION}\n    cluster_id: ${GOOD}\n`,
    );
    const backups = await runCli(
      ['aws', 'backups', '--config', config, '--endpoint', fake.endpoint, '--json'],
      { env: env(KEY) },
    );
    expect(backups.code).toBe(0);
    expect((JSON.parse(backups.stdout) as { cluster: string }).cluster).toBe(cluster(GOOD));
    // The endpoint may live in the file too; no --endpoint flag then.
    const withEndpoint = join(dir, 'hsm-config-endpoint.yaml');
    writeFileSync(
      withEndpoint,
      `hsm:\n  provider: aws_cloudhsm\n  aws:\n    region: ${REGION}\n    cluster_id: ${GOOD}\n    endpoint: ${fake.endpoint}\n`,
    );
    const clusters = await runCli(['aws', 'clusters', '--config', withEndpoint, '--json'], {
      env: env(KEY),
    });
    expect(clusters.code).toBe(0);
    expect((JSON.parse(clusters.stdout) as { region: string }).region).toBe(REGION);
    const plain = join(dir, 'hsm-config-plain-http.yaml');
    writeFileSync(
      plain,
      `hsm:\n  provider: aws_cloudhsm\n  aws:\n    region: ${REGION}\n    cluster_id: ${GOOD}\n    endpoint: http://cloudhsm.example.net/\n`,
    );
    const refused = await runCli(['aws', 'clusters', '--config', plain], { env: env(KEY) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('only https is accepted');
    const both = await runCli(
      [
        'attest',
        'cluster',
        '--config',
        config,
        '--cluster',
        cluster(GOOD),
        '--endpoint',
        fake.endpoint,
      ],
      {
        env: env(KEY),
      },
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Give --cluster or --config, not both.');
  });
});

describe('olocus-ceremony aws: errors', () => {
  it('a wrong secret key: exit 3, code 102, InvalidSignatureException named, one sentence', async () => {
    const r = await runCli(['aws', 'clusters', '--region', REGION, '--endpoint', fake.endpoint], {
      env: env({
        accessKeyId: KEY.accessKeyId,
        secretAccessKey: 'wrong/secret/0000000000000000000000000',
      }),
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('HSM error 102 (authentication failed)');
    expect(r.stderr).toContain('InvalidSignatureException');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('wrong/secret');
  });

  it('an unknown access key under --json: the error document says code 102 and exit 3', async () => {
    const r = await runCli(
      ['aws', 'backups', '--cluster', cluster(GOOD), '--endpoint', fake.endpoint, '--json'],
      {
        env: env({ accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: KEY.secretAccessKey }),
      },
    );
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as {
      error: { code: number; exitCode: number; message: string };
    };
    expect(doc.error).toMatchObject({ code: 102, exitCode: 3 });
    expect(doc.error.message).toContain('UnrecognizedClientException');
  });

  it('no credentials: exit 3, code 102, a sentence saying where credentials go; no request leaves, metadata service not asked', async () => {
    const before = fake.requests.length;
    imdsHits = 0;
    const r = await runCli(['aws', 'clusters', '--region', REGION, '--endpoint', fake.endpoint], {
      env: env(null),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'HSM error 102 (authentication failed): No AWS credentials were found',
    );
    expect(r.stderr).toContain('AWS_ACCESS_KEY_ID');
    expect(fake.requests.length).toBe(before);
    expect(imdsHits).toBe(0);
  });

  it('bad usage exits 2: plain http to a remote host, a malformed cluster address, a missing --region', async () => {
    const remote = await runCli(
      [
        'aws',
        'clusters',
        '--region',
        REGION,
        '--endpoint',
        'http://cloudhsmv2.eu-west-1.amazonaws.com',
      ],
      { env: env(KEY) },
    );
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('only https is accepted');
    const malformed = await runCli(
      ['aws', 'backups', '--cluster', 'awscloudhsm://eu-west-1/prod', '--endpoint', fake.endpoint],
      { env: env(KEY) },
    );
    expect(malformed.code).toBe(2);
    const missing = await runCli(['aws', 'clusters'], { env: env(KEY) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--region');
  });
});
