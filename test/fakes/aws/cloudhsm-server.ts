// A loopback CloudHSM v2 API for tests: AWS JSON 1.1 as the real service speaks it (POST /,
// Content-Type application/x-amz-json-1.1, X-Amz-Target BaldrApiService.<Operation>, errors as
// {"__type", "message"} with x-amzn-ErrorType), every request's SigV4 signature verified against
// the test's credentials, and NextToken paging. It serves what the test gives it: clusters whose
// certificates the test made (synthetic PKI, see synthetic-pki.ts: no live cluster's certificates
// are available here) and backups.
//
// What it does not model: IAM policies, throttling, request validation beyond what the tests
// need (filters clusterIds/states/backupIds, MaxResults, NextToken), and the write operations.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from './sigv4';
import type { FakeCredentials } from './sigv4';

/** Cluster and backup objects in their wire form (timestamps as epoch seconds). */
export type WireObject = Record<string, unknown>;

export interface FakeCloudHsmOptions {
  region: string;
  credentials: FakeCredentials[];
  clusters?: WireObject[];
  backups?: WireObject[];
  /** Largest page the fake returns whatever MaxResults says, so tests see NextToken paging. */
  pageSize?: number;
}

export interface FakeRequest {
  target: string;
  accessKeyId: string | null;
  body: Record<string, unknown>;
  /** Outcome: 'ok' or the error __type returned. */
  outcome: string;
}

export interface FakeCloudHsm {
  endpoint: string;
  requests: FakeRequest[];
  clusters: WireObject[];
  backups: WireObject[];
  close(): Promise<void>;
}

const SERVICE = 'cloudhsm';
const PREFIX = 'BaldrApiService.';

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function page<T>(items: T[], body: Record<string, unknown>, max: number, limit: number) {
  let start = 0;
  if (body.NextToken !== undefined) {
    const decoded = /^page:(\d+)$/.exec(
      Buffer.from(String(body.NextToken), 'base64url').toString(),
    );
    if (!decoded)
      throw new ApiError('CloudHsmInvalidRequestException', 'The NextToken is not valid.');
    start = Number(decoded[1]);
  }
  if (body.MaxResults !== undefined) {
    const n = Number(body.MaxResults);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new ApiError(
        'ValidationException',
        `1 validation error detected: Value '${String(body.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
      );
    }
    limit = Math.min(limit, n);
  }
  const slice = items.slice(start, start + limit);
  const next =
    start + limit < items.length
      ? Buffer.from(`page:${start + limit}`).toString('base64url')
      : undefined;
  return { slice, next };
}

function filtered(
  items: WireObject[],
  filters: unknown,
  fields: Record<string, (o: WireObject) => unknown>,
) {
  if (filters === undefined) return items;
  if (typeof filters !== 'object' || filters === null) {
    throw new ApiError('SerializationException', 'Filters must be a map of lists of strings.');
  }
  return items.filter((o) =>
    Object.entries(filters as Record<string, unknown>).every(([name, values]) => {
      const get = fields[name];
      if (!get) throw new ApiError('CloudHsmInvalidRequestException', `Invalid filter: ${name}`);
      return Array.isArray(values) && values.includes(get(o));
    }),
  );
}

export async function startFakeCloudHsm(options: FakeCloudHsmOptions): Promise<FakeCloudHsm> {
  const requests: FakeRequest[] = [];
  const clusters = options.clusters ?? [];
  const backups = options.backups ?? [];
  const limit = options.pageSize ?? 2;

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    DescribeClusters(body) {
      const list = filtered(clusters, body.Filters, {
        clusterIds: (c) => c.ClusterId,
        states: (c) => c.State,
        vpcIds: (c) => c.VpcId,
      });
      const { slice, next } = page(list, body, 25, limit);
      return { Clusters: slice, ...(next ? { NextToken: next } : {}) };
    },
    DescribeBackups(body) {
      let list = filtered(backups, body.Filters, {
        clusterIds: (b) => b.ClusterId,
        backupIds: (b) => b.BackupId,
        states: (b) => b.BackupState,
      });
      list = [...list].sort((a, b) => Number(a.CreateTimestamp) - Number(b.CreateTimestamp));
      if (body.SortAscending !== true) list.reverse();
      const { slice, next } = page(list, body, 50, limit);
      return { Backups: slice, ...(next ? { NextToken: next } : {}) };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const record: FakeRequest = { target: '', accessKeyId: null, body: {}, outcome: 'ok' };
    requests.push(record);
    const send = (status: number, doc: unknown, errorType?: string) => {
      const text = JSON.stringify(doc);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(text);
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      record.target = target;
      if (req.method !== 'POST' || (req.url ?? '/') !== '/') {
        throw new ApiError('UnknownOperationException', 'Only POST / is served.', 404);
      }
      const auth = verifySigV4(req, raw, {
        region: options.region,
        service: SERVICE,
        credentials: options.credentials,
      });
      if (!auth.ok) {
        // Authentication errors come from AWS's front end, in coral's namespaced form.
        throw new ApiError(
          `com.amazon.coral.service#${auth.type}`,
          auth.message,
          auth.type === 'MissingAuthenticationTokenException' ? 403 : 400,
        );
      }
      record.accessKeyId = auth.accessKeyId;
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
        throw new ApiError(
          'com.amazon.coral.service#UnknownOperationException',
          'Content-Type must be application/x-amz-json-1.1.',
        );
      }
      const op = target.startsWith(PREFIX) ? operations[target.slice(PREFIX.length)] : undefined;
      if (!op)
        throw new ApiError(
          'com.amazon.coral.service#UnknownOperationException',
          `Unknown operation ${target}`,
        );
      let body: Record<string, unknown>;
      try {
        body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        throw new ApiError(
          'com.amazon.coral.service#SerializationException',
          'The request body is not JSON.',
        );
      }
      record.body = body;
      send(200, op(body));
    } catch (e) {
      const err =
        e instanceof ApiError
          ? e
          : new ApiError('CloudHsmInternalFailureException', String(e), 500);
      record.outcome = err.type.replace(/^.*#/, '');
      // Service errors carry "Message" (the CloudHSM model's member); front-end ones "message".
      const key = err.type.startsWith('CloudHsm') ? 'Message' : 'message';
      send(err.status, { __type: err.type, [key]: err.message }, err.type.replace(/^.*#/, ''));
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    clusters,
    backups,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
