// gRPC answers the way Cloud KMS gives them: status codes with its message shape, the routing
// header the SDK must send, and CRC32C fields checked against their data.
import * as grpc from '@grpc/grpc-js';
import { crc32c } from '../../../src/main/hsm/gcp/crc32c';

export type Req = Record<string, unknown>;

export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}
export const notFound = (kind: string, name: string) =>
  new RpcError(grpc.status.NOT_FOUND, `${kind} ${name} not found.`);
export const bad = (m: string) => new RpcError(grpc.status.INVALID_ARGUMENT, m);

/** The SDK sends the resource it addresses in x-goog-request-params; Google routes by it. */
export function checkRoutingHeader(req: Req, md: grpc.Metadata): void {
  const header = md.get('x-goog-request-params')[0];
  const field = req.name !== undefined && req.name !== '' ? 'name' : 'parent';
  const value = req[field];
  if (typeof value !== 'string' || value === '') return;
  if (header === undefined || !String(header).includes(`${field}=${encodeURIComponent(value)}`))
    throw bad(`Missing or wrong x-goog-request-params routing header for ${field}.`);
}

export function checkCrc(bytes: Buffer, given: unknown, field: string): boolean {
  const value = (given as { value?: unknown } | null | undefined)?.value;
  if (value === undefined || value === null) return false;
  if (Number(value) !== crc32c(bytes))
    throw bad(`The checksum in field ${field}_crc32c did not match the data in field ${field}.`);
  return true;
}
