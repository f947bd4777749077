// Provider-neutral vocabulary of the HSM layer: what the service, the CLI and the ceremony
// engine talk about, whatever the HSM behind them.

export { KEY_TYPES } from '../../shared/key-types';
export type { KeyType } from '../../shared/key-types';
import type { KeyType } from '../../shared/key-types';

export type KeyClass = 'private' | 'public' | 'secret';

export type SignAlgorithm =
  | 'ecdsa-sha256'
  | 'ecdsa-sha384'
  | 'ecdsa-sha512'
  | 'eddsa'
  | 'rsa-pkcs1-sha256'
  | 'rsa-pkcs1-sha384'
  | 'rsa-pkcs1-sha512'
  | 'rsa-pss-sha256'
  | 'rsa-pss-sha384'
  | 'rsa-pss-sha512';

export type CipherAlgorithm = 'rsa-oaep-sha1' | 'rsa-oaep-sha256' | 'aes-gcm' | 'aes-cbc-pad';

export type WrapAlgorithm = 'aes-kwp' | 'rsa-oaep-sha1' | 'rsa-oaep-sha256';

/** How a caller names a key: by label, by id, or both; class narrows a key pair to one half. */
export interface KeySelector {
  label?: string;
  id?: Uint8Array;
  class?: KeyClass;
}

export interface ProvenanceAttributes {
  local: boolean | null;
  neverExtractable: boolean | null;
  alwaysSensitive: boolean | null;
  extractable: boolean | null;
  sensitive: boolean | null;
}

export interface KeyInfo {
  label: string;
  /** CKA_ID as lower-case hex. */
  id: string;
  class: KeyClass;
  /** Our key type when recognised; otherwise the raw PKCS#11 key type name. */
  type: KeyType | string;
  sizeBits: number | null;
  curve: string | null;
  /** SHA-256 over the DER SubjectPublicKeyInfo, hex; null for secret keys. */
  spkiSha256: string | null;
  /** Key check value for AES keys (first 3 bytes of AES-ECB(0^16)), hex; null otherwise. */
  kcv: string | null;
  provenance: ProvenanceAttributes;
  usage: {
    sign: boolean;
    verify: boolean;
    encrypt: boolean;
    decrypt: boolean;
    wrap: boolean;
    unwrap: boolean;
    derive: boolean;
  };
  token: boolean;
  /** RFC 7512 URI of the object, without any PIN. */
  uri: string;
}

export interface ModuleInfo {
  cryptokiVersion: string;
  manufacturer: string;
  description: string;
  libraryVersion: string;
  path: string;
}

export interface TokenInfo {
  slotId: string;
  slotDescription: string;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  hardwareVersion: string;
  firmwareVersion: string;
  flags: string[];
  initialized: boolean;
  loginRequired: boolean;
  userPinLocked: boolean;
  soPinLocked: boolean;
  sessionCount: { open: number | null; max: number | null };
  mechanisms?: MechanismInfo[];
}

export interface MechanismInfo {
  type: number;
  name: string;
  minKeySize: number;
  maxKeySize: number;
  flags: string[];
}

export interface GenerateOptions {
  label: string;
  id?: Uint8Array;
  /** Off by default: a ceremony key is not extractable unless the script says so. */
  extractable?: boolean;
  /** Token objects persist; session objects vanish with the session (tests, transport keys). */
  token?: boolean;
  /** CKA_START_DATE / CKA_END_DATE (UTC days): when the key is meant to be used (lifecycle). */
  startDate?: Date;
  endDate?: Date;
}

/** A change to a key's attributes after it was made (C_SetAttributeValue), for every half of it. */
export interface KeyAttributeChange {
  endDate?: Date;
  /** Usage flags to set; a flag the object does not carry (CKA_SIGN on a public key) is skipped. */
  usage?: Partial<Record<'sign' | 'verify' | 'encrypt' | 'decrypt' | 'wrap' | 'unwrap', boolean>>;
}

/** What C_SetAttributeValue did to each object: refused attributes are named, not fatal. */
export interface KeyAttributeOutcome {
  class: KeyClass;
  set: string[];
  refused: { attribute: string; ckr: string }[];
}

export interface HealthReport {
  ok: boolean;
  provider: string;
  latencyMs: number;
  detail: string;
  sessions?: { open: number; idle: number; busy: number; max: number; waiting: number };
}

export interface SignResult {
  signature: Uint8Array;
  algorithm: SignAlgorithm;
  /** The PKCS#11 mechanism (or cloud algorithm) actually used, and whether we hashed first. */
  mechanism: string;
  hashedInSoftware: boolean;
}
