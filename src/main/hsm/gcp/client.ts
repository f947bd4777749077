// Opening the official Cloud KMS client. Production: cloudkms.googleapis.com over TLS with
// Application Default Credentials. `endpoint` HOST:PORT redirects it; only a loopback host
// (127.0.0.1, ::1, localhost) gets a plaintext channel without credentials, which is how the
// tests reach their fake, so the option can never switch TLS off against a real endpoint.
import { createRequire } from 'node:module';
import type { KeyManagementServiceClient } from '@google-cloud/kms';
import type * as GrpcTypes from '@grpc/grpc-js';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { requireAdcSource } from './credentials';
import type { AdcEnvironment } from './credentials';

export interface GcpConnectOptions {
  /** HOST:PORT of the KMS API; loopback hosts only get plaintext (tests, local emulators). */
  endpoint?: string;
  /** Where credentials are looked for (tests). */
  adc?: AdcEnvironment;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface Endpoint {
  host: string;
  port: number;
  loopback: boolean;
}

export function parseEndpoint(text: string): Endpoint {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'The Cloud KMS endpoint must be HOST:PORT, e.g. 127.0.0.1:8443 or [::1]:8443.',
    );
  const host = (m[1] ?? m[2]!).toLowerCase();
  return { host, port, loopback: LOOPBACK.has(host) };
}

export async function openKmsClient(
  options: GcpConnectOptions = {},
): Promise<KeyManagementServiceClient> {
  const endpoint = options.endpoint ? parseEndpoint(options.endpoint) : null;
  // Checked before the (slow) SDK loads, so a missing login costs nothing.
  if (!endpoint?.loopback) requireAdcSource(options.adc);
  const { KeyManagementServiceClient: Client } = await import('@google-cloud/kms');
  if (!endpoint) return new Client();
  const where = {
    apiEndpoint: endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host,
    port: endpoint.port,
  };
  if (!endpoint.loopback) return new Client(where);
  const grpc = gaxGrpc();
  return new Client({
    ...where,
    sslCreds: grpc.credentials.createInsecure(),
    // With the universe named, google-auth-library does not resolve credentials (and so does
    // not probe the metadata server) just to learn it.
    universeDomain: 'googleapis.com',
  });
}

type GrpcModule = typeof GrpcTypes;

/**
 * The @grpc/grpc-js that google-gax itself loaded: grpc-js checks credentials with instanceof,
 * so insecure credentials from any other copy (a bundled one, a second install) are refused.
 */
function gaxGrpc(): GrpcModule {
  const fromKms = createRequire(import.meta.url).resolve('@google-cloud/kms');
  const gax = createRequire(fromKms).resolve('google-gax');
  return createRequire(gax)('@grpc/grpc-js') as GrpcModule;
}

/** Runs `fn` with a client that is closed afterwards (no channel outlives an operation). */
export async function withKms<T>(
  options: GcpConnectOptions,
  fn: (client: KeyManagementServiceClient) => Promise<T>,
): Promise<T> {
  const client = await openKmsClient(options);
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

// gRPC status codes (google.rpc.Code).
const STATUS: Record<number, [ErrorCode, string]> = {
  3: [ErrorCode.INVALID_INPUT, 'INVALID_ARGUMENT'],
  4: [ErrorCode.TIMEOUT, 'DEADLINE_EXCEEDED'],
  5: [ErrorCode.KEY_NOT_FOUND, 'NOT_FOUND'],
  6: [ErrorCode.POLICY_VIOLATION, 'ALREADY_EXISTS'],
  7: [ErrorCode.AUTHENTICATION_FAILED, 'PERMISSION_DENIED'],
  9: [ErrorCode.OPERATION_FAILED, 'FAILED_PRECONDITION'],
  14: [ErrorCode.CONNECTION_FAILED, 'UNAVAILABLE'],
  16: [ErrorCode.AUTHENTICATION_FAILED, 'UNAUTHENTICATED'],
};

/** A Cloud KMS failure as an OlocusError naming what was being done and the gRPC status. */
export function kmsError(doing: string, e: unknown): OlocusError {
  if (e instanceof OlocusError) return e;
  const err = e as { code?: unknown; details?: unknown; message?: unknown };
  const code = typeof err.code === 'number' ? err.code : null;
  const [olocus, name] = (code !== null && STATUS[code]) || [
    ErrorCode.OPERATION_FAILED,
    code !== null ? `gRPC status ${code}` : 'no gRPC status',
  ];
  const said =
    typeof err.details === 'string' && err.details !== ''
      ? err.details
      : typeof err.message === 'string'
        ? err.message
        : String(e);
  const message = /default credentials/i.test(said)
    ? `Cloud KMS could not authenticate while ${doing}: ${said}`
    : `Cloud KMS refused ${doing}: ${said.replace(/\.$/, '')}.`;
  // The gRPC status stands where a PKCS#11 error puts its CKR name.
  return new OlocusError(olocus, message, { ckr: name, cause: e });
}

/** Runs one KMS call, translating its failure. */
export async function call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw kmsError(doing, e);
  }
}
