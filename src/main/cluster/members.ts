// One member of an HSM group: its address, its open provider (with its own session pool), its
// state and the counters the group's report shows. Which failures count against a member and
// which belong to the request (bad input fails the same on every member) is decided here.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { TokenProvider } from '../hsm/provider';
import { parsePkcs11Uri } from '../hsm/uri';

/** What a group uses of a member's provider (in this process, or in a member host). */
export type MemberProvider = Pick<
  TokenProvider,
  'sign' | 'listKeys' | 'publicKey' | 'health' | 'close'
>;

export type MemberState = 'healthy' | 'failing' | 'out' | 'recovering';

export class Member {
  state: MemberState = 'healthy';
  provider: MemberProvider | null = null;
  consecutiveFailures = 0;
  /** Consecutive passed recovery checks while out or recovering. */
  passes = 0;
  lastError: string | null = null;
  lastCheck: string | null = null;
  inFlight = 0;
  signed = 0;
  failures = 0;

  constructor(
    /** Where the member is, as the config names it (no PIN: the schema refuses pin-value). */
    readonly address: string,
    /** A short name for sentences: the token label, or the address. */
    readonly name: string,
    readonly role: 'primary' | 'backup',
  ) {}

  get usable(): boolean {
    return (this.state === 'healthy' || this.state === 'failing') && this.provider !== null;
  }
}

/** CKR names that mean the device itself is gone, not that one call went wrong. */
const GONE = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_DEVICE_ERROR',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_TOKEN_NOT_RECOGNIZED',
]);

/**
 * What a failed call says about the member: 'gone' (token removed, module failing: out at once),
 * 'fault' (counts towards failover_threshold), or 'request' (the request itself is wrong and
 * would fail on every member: no failover, the caller gets the error).
 */
export function classifyFailure(e: unknown): 'gone' | 'fault' | 'request' {
  if (!(e instanceof OlocusError)) return 'fault';
  if (e.ckr !== undefined && GONE.has(e.ckr)) return 'gone';
  switch (e.code) {
    case ErrorCode.TOKEN_NOT_FOUND:
    case ErrorCode.CONNECTION_FAILED:
      return 'gone';
    case ErrorCode.INVALID_INPUT:
    case ErrorCode.MECHANISM_UNSUPPORTED:
    case ErrorCode.POLICY_VIOLATION:
      return 'request';
    default:
      return 'fault';
  }
}

export function describeError(e: unknown): string {
  if (e instanceof OlocusError) return e.describe();
  return e instanceof Error ? e.message : String(e);
}

/** The token label of a pkcs11: address, else the address itself (it holds no secret). */
export function memberName(address: string): string {
  if (/^pkcs11:/i.test(address)) {
    try {
      const uri = parsePkcs11Uri(address);
      if (uri.token !== undefined) return uri.token;
      if (uri.serial !== undefined) return `serial ${uri.serial}`;
    } catch {
      /* named by its address; opening it will say what is wrong */
    }
  }
  return address.split('?')[0]!;
}
