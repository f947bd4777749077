// The HSM screen's cloudInventory channel through the IPC front (real contract, handlers and
// CeremonyService) with the official SDKs pointed at the loopback fakes: a Cloud KMS key ring
// and CloudHSM clusters listed from what the fakes really hold, bad addresses refused before any
// request, and no AWS credentials answered with the 102 sentence (nothing leaves 127.0.0.1).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ipcHarness } from '../helpers/ipc-harness';
import type { IpcHarness } from '../helpers/ipc-harness';
import { startFakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import type { FakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import { saveAwsEnv, setAwsCredentials } from '../fakes/aws/env';
import { wireCluster } from '../fakes/aws/synthetic-pki';
import { FakeKms } from '../fakes/gcp/server';

const RING = 'gcpkms://projects/olocus-test/locations/global/keyRings/wizard';
const REGION = 'eu-west-1';
const KEY = {
  accessKeyId: 'AKIASYNTHETICTEST02',
  secretAccessKey: 'synthetic/secret/for/tests/only/0000002',
};
const dir = mkdtempSync(join(tmpdir(), 'olocus-cloud-'));
const restoreAwsEnv = saveAwsEnv();

const useAwsCredentials = (keys: typeof KEY | null) => setAwsCredentials(dir, keys);

let kms: FakeKms;
let cloudHsm: FakeCloudHsm;
let ipc: IpcHarness;

beforeAll(async () => {
  kms = await FakeKms.start();
  cloudHsm = await startFakeCloudHsm({
    region: REGION,
    credentials: [KEY],
    clusters: [
      wireCluster('cluster-aaaaaaaaaaa', {}, { State: 'ACTIVE', HsmType: 'hsm2m.medium' }),
      wireCluster('cluster-bbbbbbbbbbb', {}),
    ],
    pageSize: 1,
  });
  ipc = ipcHarness();
  const connect = { endpoint: kms.endpoint };
  await ipc.service.gcp.createKeyRing(RING, connect);
  await ipc.service.gcp.createKey(
    `${RING}/cryptoKeys/root-p384`,
    { purpose: 'ASYMMETRIC_SIGN', algorithm: 'EC_SIGN_P384_SHA384' },
    connect,
  );
  await ipc.service.gcp.createKey(
    `${RING}/cryptoKeys/issuing-rsa`,
    { purpose: 'ASYMMETRIC_SIGN', algorithm: 'RSA_SIGN_PKCS1_3072_SHA256' },
    connect,
  );
});

afterEach(() => useAwsCredentials(null));

afterAll(async () => {
  restoreAwsEnv();
  await ipc.service.close();
  await kms.stop();
  await cloudHsm.close();
});

describe('cloudInventory: Google Cloud KMS', () => {
  it("lists the key ring's keys with purpose, protection level, algorithm and versions", async () => {
    const r = await ipc.invoke('cloudInventory', {
      provider: 'gcp',
      address: `${RING}/`,
      endpoint: kms.endpoint,
    });
    expect(r.provider).toBe('gcp');
    if (r.provider !== 'gcp') return;
    expect(r.address).toBe(RING);
    const byName = Object.fromEntries(r.keys.map((k) => [k.name, k]));
    expect(Object.keys(byName).sort()).toEqual(['issuing-rsa', 'root-p384']);
    expect(byName['root-p384']).toMatchObject({
      address: `${RING}/cryptoKeys/root-p384`,
      purpose: 'ASYMMETRIC_SIGN',
      protectionLevel: 'HSM',
      algorithm: 'EC_SIGN_P384_SHA384',
      versionCount: 1,
      versionStates: [{ state: 'ENABLED', count: 1 }],
    });
    expect(byName['issuing-rsa']?.algorithm).toBe('RSA_SIGN_PKCS1_3072_SHA256');
    // Plain data only: what crosses IPC survives a structured clone unchanged.
    expect(structuredClone(r)).toEqual(r);
    expect(JSON.stringify(r)).not.toMatch(/BEGIN PUBLIC KEY|spki"/);
    expect(ipc.problems).toEqual([]);
  });

  it('refuses a key-ring address that names a key, or another provider, with 108 and no request', async () => {
    const before = kms.calls.length;
    const deeper = await ipc.refusal('cloudInventory', {
      provider: 'gcp',
      address: `${RING}/cryptoKeys/root-p384`,
      endpoint: kms.endpoint,
    });
    expect(deeper.code).toBe(108);
    expect(deeper.message).toMatch(/gcpkms:\/\/projects\/P\/locations\/L\/keyRings\/R/);
    const other = await ipc.refusal('cloudInventory', {
      provider: 'gcp',
      address: 'awscloudhsm://eu-west-1',
      endpoint: kms.endpoint,
    });
    expect(other).toMatchObject({
      code: 108,
      message: expect.stringContaining('is not a Cloud KMS key ring address'),
    });
    expect(kms.calls.length).toBe(before);
  });
});

describe('cloudInventory: AWS CloudHSM', () => {
  it('lists every cluster of a region across pages with HSMs (AZ, state) and backup policy', async () => {
    useAwsCredentials(KEY);
    cloudHsm.requests.length = 0;
    const r = await ipc.invoke('cloudInventory', {
      provider: 'aws',
      address: `awscloudhsm://${REGION}`,
      endpoint: cloudHsm.endpoint,
    });
    if (r.provider !== 'aws') throw new Error(`answered for ${r.provider}`);
    expect(r.address).toBe(`awscloudhsm://${REGION}`);
    expect(r.clusters).toEqual([
      {
        clusterId: 'cluster-aaaaaaaaaaa',
        uri: `awscloudhsm://${REGION}/cluster-aaaaaaaaaaa`,
        state: 'ACTIVE',
        hsmType: 'hsm2m.medium',
        backupPolicy: 'DEFAULT',
        backupRetention: '90 DAYS',
        hsms: [{ hsmId: 'hsm-aaaaaaaaaaaa', availabilityZone: 'eu-west-1a', state: 'ACTIVE' }],
      },
      expect.objectContaining({ clusterId: 'cluster-bbbbbbbbbbb', state: 'UNINITIALIZED' }),
    ]);
    // One cluster a page: two signed requests.
    expect(cloudHsm.requests).toHaveLength(2);
  });

  it('describes the one cluster an address names', async () => {
    useAwsCredentials(KEY);
    const r = await ipc.invoke('cloudInventory', {
      provider: 'aws',
      address: `awscloudhsm://${REGION}/cluster-bbbbbbbbbbb`,
      endpoint: cloudHsm.endpoint,
    });
    if (r.provider !== 'aws') throw new Error(`answered for ${r.provider}`);
    expect(r.clusters.map((c) => [c.clusterId, c.hsmType])).toEqual([
      ['cluster-bbbbbbbbbbb', 'hsm1.medium'],
    ]);
  });

  it.each([
    ['awscloudhsm://Europe', /not an AWS region/],
    ['awscloudhsm://eu-west-1/CLUSTER-1', /cluster id must look like cluster-/],
    ['awscloudhsm://eu-west-1/cluster-abc/extra', /not a CloudHSM address/],
    ['eu-west-1', /not an AWS CloudHSM address/],
  ])('refuses %s with code 108 before any request', async (address, sentence) => {
    useAwsCredentials(KEY);
    cloudHsm.requests.length = 0;
    const e = await ipc.refusal('cloudInventory', {
      provider: 'aws',
      address,
      endpoint: cloudHsm.endpoint,
    });
    expect(e.code).toBe(108);
    expect(e.message).toMatch(sentence);
    expect(cloudHsm.requests).toHaveLength(0);
  });

  it('without AWS credentials answers the 102 sentence and sends nothing', async () => {
    useAwsCredentials(null);
    cloudHsm.requests.length = 0;
    const e = await ipc.refusal('cloudInventory', {
      provider: 'aws',
      address: `awscloudhsm://${REGION}`,
      endpoint: cloudHsm.endpoint,
    });
    expect(e.code).toBe(102);
    expect(e.message).toMatch(/^No AWS credentials were found to .*AWS_ACCESS_KEY_ID/);
    expect(e.message).toMatch(/EC2 instance metadata service was not asked/);
    expect(cloudHsm.requests).toHaveLength(0);
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBeUndefined();
  });
});

describe('cloudInventory: requests the contract refuses', () => {
  it.each<[Record<string, string>, string]>([
    [{ provider: 'oracle', address: 'x' }, 'an unknown provider'],
    [{ provider: 'aws', address: '' }, 'an empty address'],
    [{ provider: 'aws', address: 'awscloudhsm://eu-west-1\0' }, 'a NUL'],
    [{ provider: 'aws', address: 'a'.repeat(513) }, 'an address over 512 characters'],
    [{ provider: 'aws', address: 'awscloudhsm://eu-west-1', pin: '1234' }, 'an unknown field'],
  ])('%j (%s) is refused with 108', async (request) => {
    const e = await ipc.refusal('cloudInventory', request as never);
    expect(e.code).toBe(108);
    expect(e.message).toMatch(/cloudInventory|provider|address|pin|Unrecognized/i);
  });

  it('an Azure address that is no vault host, or an endpoint for Azure, is refused before any client', async () => {
    const bad = await ipc.refusal('cloudInventory', {
      provider: 'azure',
      address: 'azurekv://not a host',
    });
    expect(bad.code).toBe(108);
    const endpoint = await ipc.refusal('cloudInventory', {
      provider: 'azure',
      address: 'azurekv://olocus.vault.azure.net',
      endpoint: 'http://127.0.0.1:1',
    });
    expect(endpoint).toMatchObject({ code: 108, message: expect.stringContaining('no endpoint') });
  });
});
