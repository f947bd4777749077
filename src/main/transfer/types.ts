// The vocabulary of a key migration between two PKCS#11 tokens: what the caller asks for and
// what it gets back. Nothing here ever holds key bytes; fingerprints and KCVs are public.
import type { Ledger } from '../audit';
import type { LedgerEventType } from '../audit/events';
import type { ResolvedKwp } from '../hsm/pkcs11/kwp-resolve';
import type { KeyUsage } from '../hsm/pkcs11/templates';
import type { KeyClass, KeySelector, KeyType, ProvenanceAttributes } from '../hsm/types';
import type { TransportType } from './strength';

/**
 * rsa-aes-kwp: the CKM_RSA_AES_KEY_WRAP format (an ephemeral AES-256 key under the target's RSA
 * transport key with OAEP, then the key under that AES key with KWP). kwp: the key under an AES
 * KEK that both tokens already hold (e.g. the backup KEK rebuilt from custodian shares).
 */
export type WrapScheme = 'rsa-aes-kwp' | 'kwp';

export type OaepHash = 'sha256' | 'sha1';

/** What the migrated key should be on the target; never weaker than the source. */
export interface TargetTemplate {
  /** Defaults to the source key's label. */
  label?: string;
  /** Defaults to the source key's CKA_ID, so that the pair's halves find each other. */
  id?: Uint8Array;
  /** Default false. True is refused unless the source key was extractable too. */
  extractable?: boolean;
  /** Default true. False is refused when the source key was sensitive. */
  sensitive?: boolean;
  /** Defaults to the source key's usage; asking for more than the source had is refused. */
  usage?: KeyUsage[];
  /** Default true (a token object); false makes a session object (tests, rehearsals). */
  token?: boolean;
}

/** Where events go: a Ledger (with the actor and step to name), or the engine's own sink. */
export type TransferAudit =
  | { ledger: Ledger; actor: string; step?: string | null }
  | { event: (type: LedgerEventType, data: Record<string, unknown>) => Promise<void> };

export interface MigrateOptions {
  /** Default rsa-aes-kwp. */
  wrap?: WrapScheme;
  /** For kwp: the KEK on each side (imported beforehand, e.g. with importSharedKek). */
  kek?: { source: KeySelector; target: KeySelector };
  /** RSA transport key size; default RSA-3072, or RSA-4096 when a key is above 128 bits. */
  transport?: TransportType;
  target?: TargetTemplate;
  /** Destroy the source key after the proofs passed; only with the quorum's approval. */
  destroySource?: { approvedBy: string[] };
  audit?: TransferAudit;
  /** Keys in flight at once in migrateKeys (default 4). */
  concurrency?: number;
  /** Whether a private key's public half is created on the target too (default true). */
  publicHalf?: boolean;
}

export interface KeyRequest {
  key: KeySelector;
  target?: TargetTemplate;
}

export interface KeyProof {
  /** How the target key was shown to be the source key. */
  method: 'spki+signature' | 'signature' | 'kcv' | 'kwp-compare';
  /** SPKI of the target key from its own attributes equals the source's; null: not exposed. */
  spkiMatch: boolean | null;
  /** A signature by the target key verified (node:crypto) against the source's public key. */
  signatureVerified: boolean | null;
  kcvMatch: boolean | null;
}

export interface MigrationResult {
  label: string;
  class: Exclude<KeyClass, 'public'>;
  type: KeyType;
  wrap: WrapScheme;
  /** PKCS#11 mechanisms in the order they were used. */
  mechanisms: string[];
  /** The RFC 5649 mechanism number each side used, and how it was decided (list, profile, probe). */
  kwp: { source: ResolvedKwp; target: ResolvedKwp };
  oaepHash: OaepHash | null;
  /** Why OAEP used the hash it did (e.g. SHA-256 refused by a token). */
  oaepNote: string | null;
  /** Whether each side lists CKM_RSA_AES_KEY_WRAP, and why the wrap was composed anyway. */
  nativeRsaAes: { source: boolean; target: boolean; used: false; note: string } | null;
  strength: { keyBits: number; wrapBits: number; belowKey: boolean };
  source: { token: string; uri: string; spkiSha256: string | null; kcv: string | null };
  target: {
    token: string;
    uri: string;
    spkiSha256: string | null;
    kcv: string | null;
    provenance: ProvenanceAttributes;
  };
  proof: KeyProof;
  sourceDestroyed: { approvedBy: string[] } | null;
}
