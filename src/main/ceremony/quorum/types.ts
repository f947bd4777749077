// The shapes the quorum layer hands to the rest of the ceremony: envelopes travel to custodians
// (card, text, QR), commitments travel to the audit ledger. Only envelopes carry secret bytes.
import type { Secret } from '../../../shared/secret';

/** One custodian's share of one secret, with everything needed to check it against the ledger. */
export interface ShareEnvelope {
  version: 1;
  ceremonyId: string;
  /** What the secret is, e.g. "token-pin" or "backup-kek-2026". */
  secretId: string;
  custodian: string;
  /** 1-based position of the custodian in the list given at the split. */
  index: number;
  /** M: how many shares reconstruct the secret. */
  threshold: number;
  /** N: how many shares were made. */
  total: number;
  /**
   * The Shamir share (y-bytes followed by the x coordinate, as shamir-secret-sharing lays it
   * out), or, when `protected` is true, that share sealed under the custodian's passphrase.
   * The envelope's holder owns it and disposes it when done (see wipeShares).
   */
  share: Secret;
  /** True when `share` is the passphrase-protected form (see passphrase.ts). */
  protected?: boolean;
}

/**
 * Binds the ledger to the secret without revealing it: scrypt (N=2^15, r=8, p=1) over the secret,
 * salted with the ceremony, the secret id and 32 random bytes, so that checking a guess costs a
 * memory-hard derivation rather than one hash. See commitments.ts.
 */
export interface SecretCommitment {
  /** hex, 32 random bytes */
  salt: string;
  /** hex, 32 bytes */
  digest: string;
}

export interface SplitOptions {
  ceremonyId: string;
  secretId: string;
  threshold: number;
  custodians: readonly string[];
}

export interface SplitResult {
  /** In custodian order; the caller owns them and disposes their shares (wipeShares) when done. */
  shares: ShareEnvelope[];
  /** Custodian name → hex SHA-256 share commitment, for the audit ledger. */
  commitments: Record<string, string>;
  secretCommitment: SecretCommitment;
}

/** What the ledger recorded at the split, to check a presented share against. */
export interface ShareExpectation {
  ceremonyId: string;
  secretId: string;
  commitments: Readonly<Record<string, string>>;
  /** When known (from the ceremony script or ledger), also checked. */
  threshold?: number;
}
