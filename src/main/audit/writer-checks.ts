// What the writer refuses before it touches the file: malformed events, reserved types, a
// record 0 that would not anchor the ledger, a signer holding the wrong key, a second writer.
import { createHash } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { describeAuditKey } from './audit-key';
import { assertAuditData } from './data-guard';
import {
  EVENT_LOCK_TAKEN_OVER,
  EVENT_OPENED,
  EVENT_RECOVERED,
  EVENT_SIGNED,
  HEAD_SIGNATURES_NONE,
  LEDGER_FORMAT,
  LEDGER_FORMAT_UNSIGNED,
  type AppendInput,
  type AuditKeyInfo,
  type AuditSigner,
} from './types';

/** Types only the ledger itself writes: an event claiming to be one would mislead a reader. */
export const RESERVED_TYPES = new Set([
  EVENT_OPENED,
  EVENT_SIGNED,
  EVENT_RECOVERED,
  EVENT_LOCK_TAKEN_OVER,
]);

// Two Ledger objects on one file in one process would fork the chain; refuse the second.
const openPaths = new Set<string>();

export function claim(path: string): void {
  if (openPaths.has(path)) {
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `The audit ledger ${path} is already open in this process; use that Ledger rather than a second one.`,
    );
  }
  openPaths.add(path);
}

export function release(path: string): void {
  openPaths.delete(path);
}

export function checkAppendInput(input: AppendInput): void {
  if (typeof input.actor !== 'string' || input.actor.trim() === '') {
    throw new OlocusError(ErrorCode.INVALID_INPUT, 'A ledger record needs a non-empty actor.');
  }
  if (input.step !== null && typeof input.step !== 'string') {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'A ledger record’s step is a string id or null.',
    );
  }
  if (typeof input.type !== 'string' || !/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/.test(input.type)) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `"${String(input.type)}" is not an event type: use dotted lower-case words such as key.generated.`,
    );
  }
}

/**
 * Record 0 without seq, time and prev: the audit key and the ceremony it belongs to. With no
 * signer, the caller must declare `head_signatures: "none"`, and record 0 says `audit_key: null`
 * (format 2): a ledger is never anchored to a key nobody holds.
 */
export function openingRecord(opts: {
  ceremonyId: string;
  actor: string;
  signer: AuditSigner | null;
  step?: string | null;
  data?: Record<string, unknown>;
}): Required<AppendInput> & { data: { audit_key: AuditKeyInfo | null } } {
  if (typeof opts.ceremonyId !== 'string' || opts.ceremonyId.trim() === '') {
    throw new OlocusError(ErrorCode.INVALID_INPUT, 'A ledger needs a non-empty ceremony id.');
  }
  const { head_signatures, ...extra } = opts.data ?? {};
  assertAuditData(extra);
  for (const k of ['format', 'ceremony_id', 'audit_key']) {
    if (k in extra) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `data.${k} of ledger.opened is set by the ledger itself.`,
      );
    }
  }
  const opening = { actor: opts.actor, step: opts.step ?? null, type: EVENT_OPENED };
  checkAppendInput(opening);
  if (opts.signer === null) {
    if (head_signatures !== HEAD_SIGNATURES_NONE) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `A ledger without an audit signer must declare data.head_signatures "${HEAD_SIGNATURES_NONE}": then no head of it is ever signed.`,
      );
    }
    return {
      ...opening,
      data: {
        ...extra,
        format: LEDGER_FORMAT_UNSIGNED,
        ceremony_id: opts.ceremonyId,
        audit_key: null,
        head_signatures: HEAD_SIGNATURES_NONE,
      },
    };
  }
  if (head_signatures !== undefined) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'data.head_signatures of ledger.opened declares a ledger without an audit key; this one has an audit signer.',
    );
  }
  const audit_key = describeAuditKey(opts.signer.algorithm, opts.signer.publicKeySpki);
  return {
    ...opening,
    data: { ...extra, format: LEDGER_FORMAT, ceremony_id: opts.ceremonyId, audit_key },
  };
}

export function assertSignerHoldsKey(signer: AuditSigner, key: AuditKeyInfo): void {
  const theirs = createHash('sha256').update(signer.publicKeySpki).digest('hex');
  if (theirs !== key.fingerprint_sha256 || signer.algorithm !== key.algorithm) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The signer's key ${theirs.slice(0, 16)}… (${signer.algorithm}) is not the audit key ${key.fingerprint_sha256.slice(0, 16)}… (${key.algorithm}) this ledger was opened with.`,
    );
  }
}
