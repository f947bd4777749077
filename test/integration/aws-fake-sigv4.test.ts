// The CloudHSM fake is only worth its passes if it refuses what AWS refuses: these send requests
// through the official SDK client, altered after the SDK signed them (as a tampering proxy would),
// and expect AWS's error for each.
import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import type { FakeCloudHsm } from '../fakes/aws/cloudhsm-server';
import { wireCluster } from '../fakes/aws/synthetic-pki';

const KEY = {
  accessKeyId: 'AKIASYNTHETICSIGV401',
  secretAccessKey: 'synthetic/sigv4/secret/only/for/tests/0',
};
let fake: FakeCloudHsm;

beforeAll(async () => {
  fake = await startFakeCloudHsm({
    region: 'eu-west-1',
    credentials: [KEY],
    clusters: [wireCluster('cluster-aaaaaaaaaaa', {}), wireCluster('cluster-bbbbbbbbbbb', {})],
  });
});
afterAll(() => fake.close());

type Edit = (req: { headers: Record<string, string>; body: unknown }) => void;

function client(region = 'eu-west-1', edit?: Edit) {
  const c = new CloudHSMV2Client({
    region,
    endpoint: fake.endpoint,
    credentials: KEY,
    maxAttempts: 1,
  });
  if (edit) {
    type Args = { request: unknown };
    const tamper = (next: (a: Args) => Promise<unknown>) => async (args: Args) => {
      edit(args.request as { headers: Record<string, string>; body: unknown });
      return next(args);
    };
    // The stack's middleware type is a union of every step's; this one runs in finalizeRequest.
    c.middlewareStack.addRelativeTo(tamper as never, {
      relation: 'after',
      toMiddleware: 'awsAuthMiddleware',
      name: 'tamper',
    });
  }
  return c;
}

const describeAll = (c: CloudHSMV2Client) => c.send(new DescribeClustersCommand({}));

describe('the CloudHSM fake checks SigV4 as AWS does', () => {
  it('accepts the request the SDK signed', async () => {
    const out = await describeAll(client());
    expect(out.Clusters?.map((c) => c.ClusterId)).toEqual([
      'cluster-aaaaaaaaaaa',
      'cluster-bbbbbbbbbbb',
    ]);
  });

  it('refuses a body changed after signing (InvalidSignatureException)', async () => {
    const c = client('eu-west-1', (r) => {
      r.body = JSON.stringify({ Filters: { clusterIds: ['cluster-bbbbbbbbbbb'] } });
      r.headers['content-length'] = String(Buffer.byteLength(r.body as string));
    });
    await expect(describeAll(c)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('refuses another operation put in X-Amz-Target after signing', async () => {
    const c = client('eu-west-1', (r) => {
      r.headers['x-amz-target'] = 'BaldrApiService.DescribeBackups';
    });
    await expect(describeAll(c)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('refuses a signature scoped to another region', async () => {
    await expect(describeAll(client('us-east-1'))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringContaining('scoped to a valid region'),
    });
  });

  it('refuses a request without a signature (MissingAuthenticationTokenException)', async () => {
    const c = client('eu-west-1', (r) => {
      delete r.headers.authorization;
    });
    await expect(describeAll(c)).rejects.toMatchObject({
      name: 'MissingAuthenticationTokenException',
    });
  });
});
