// The pipe between a group and a member whose PKCS#11 provider runs in its own process
// (member-host.ts). Messages are structured clones (fork with serialization 'advanced'), so
// Uint8Arrays cross as bytes. Calls and replies issued in the same turn travel as one message.
// The PIN crosses once, in the `open` message, as bytes: never on argv or in the environment.
import { ErrorCode, OlocusError } from '../../shared/errors';

/** What a group asks of a member (the methods a member process serves). */
export const MEMBER_METHODS = ['sign', 'listKeys', 'publicKey', 'health', 'info'] as const;
export type MemberMethod = (typeof MEMBER_METHODS)[number];

export interface WireError {
  code: number;
  message: string;
  ckr?: string;
}

export type ToHost =
  | { t: 'open'; address: string; pin: Uint8Array | null; threads?: number }
  | { t: 'calls'; calls: { id: number; method: MemberMethod; args: unknown[] }[] };

export type FromHost =
  | { t: 'opened' }
  | { t: 'open-failed'; error: WireError }
  | {
      t: 'replies';
      replies: ({ id: number; value: unknown } | { id: number; error: WireError })[];
    };

export function toWire(e: unknown): WireError {
  if (e instanceof OlocusError) {
    return { code: e.code, message: e.message, ...(e.ckr ? { ckr: e.ckr } : {}) };
  }
  return { code: ErrorCode.OPERATION_FAILED, message: e instanceof Error ? e.message : String(e) };
}

export function fromWire(w: WireError): OlocusError {
  return new OlocusError(w.code as ErrorCode, w.message, w.ckr ? { ckr: w.ckr } : {});
}
