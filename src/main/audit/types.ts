// The audit ledger's vocabulary. The byte-level rules live in FORMAT.md; this file is their
// TypeScript shape.

export const AUDIT_ALGORITHMS = [
  'ecdsa-p256-sha256',
  'ecdsa-p384-sha384',
  'ed25519',
  'rsa-pkcs1-sha256',
] as const;
export type AuditAlgorithm = (typeof AUDIT_ALGORITHMS)[number];

/**
 * What signs the chain head. The ceremony engine backs it with an HSM key; anything that can
 * produce the signature below will do.
 *
 * `sign(data)` receives the message itself, not a digest: the signer hashes with the
 * algorithm's hash (an HSM without hashed ECDSA hashes in software and calls CKM_ECDSA).
 * ECDSA signatures are raw r||s, each integer left-padded to the curve size (IEEE P1363, what
 * PKCS#11 CKM_ECDSA returns), not DER. Ed25519 is pure Ed25519 (RFC 8032); RSA is PKCS#1 v1.5.
 */
export interface AuditSigner {
  readonly algorithm: AuditAlgorithm;
  /** DER SubjectPublicKeyInfo of the signing key. */
  readonly publicKeySpki: Uint8Array;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** One line of the ledger. Keys are listed here in the order JCS writes them. */
export interface LedgerRecord {
  actor: string;
  data: Record<string, unknown>;
  /** SHA-256 of the JCS encoding of this record without `hash`, lower-case hex. */
  hash: string;
  /** `hash` of the record before; 64 zeros for record 0. */
  prev: string;
  seq: number;
  step: string | null;
  /** ISO 8601 UTC with milliseconds, as Date#toISOString writes it. */
  time: string;
  type: string;
}

export type UnhashedRecord = Omit<LedgerRecord, 'hash'>;

export interface AppendInput {
  actor: string;
  step: string | null;
  type: string;
  data?: Record<string, unknown>;
}

/** What a ledger with an audit key says it is (unchanged since version 1). */
export const LEDGER_FORMAT = 'olocus-audit-ledger/1';
/**
 * What a ledger declared unsigned says it is. Version 2 only adds that declaration, so a ledger
 * with an audit key keeps writing version 1 and old verifiers still check it; a version-1
 * verifier refuses an unsigned ledger (unknown format, no audit key) instead of misreading it.
 */
export const LEDGER_FORMAT_UNSIGNED = 'olocus-audit-ledger/2';
/** `data.head_signatures` of record 0 that, with `audit_key: null`, declares a ledger unsigned. */
export const HEAD_SIGNATURES_NONE = 'none';
/** Domain separation for head signatures, so they cannot be replayed as any other signature. */
export const HEAD_SIGNATURE_CONTEXT = 'olocus-audit-head/1';
export const GENESIS_PREV = '0'.repeat(64);

export const EVENT_OPENED = 'ledger.opened';
export const EVENT_SIGNED = 'chain.signed';
export const EVENT_RECOVERED = 'ledger.recovered';
/** Written when a writer took over a lock whose holder was gone (kill -9, power cut). */
export const EVENT_LOCK_TAKEN_OVER = 'ledger.lock_taken_over';

/** Public description of the audit key, as record 0 carries it. */
export interface AuditKeyInfo {
  algorithm: AuditAlgorithm;
  /** DER SPKI, standard base64. */
  spki: string;
  /** SHA-256 over the DER SPKI, lower-case hex. */
  fingerprint_sha256: string;
  /** The same fingerprint in PGP words, space separated. */
  fingerprint_words: string;
}

/** `data` of a `chain.signed` record. */
export interface HeadSignatureData {
  algorithm: AuditAlgorithm;
  /** Hash of the record just before the chain.signed record. */
  head: string;
  seq_signed: number;
  /** Standard base64 of the raw signature bytes. */
  signature: string;
}
