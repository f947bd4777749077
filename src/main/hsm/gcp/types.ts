// What the Cloud KMS operations return: plain objects, names as gcpkms:// addresses too, no
// key material (public keys only as fingerprints, or DER where a caller needs to verify).
export interface GcpKeyRingInfo {
  address: string;
  name: string;
  createTime: string | null;
}

export interface GcpKeyVersionInfo {
  address: string;
  name: string;
  state: string;
  protectionLevel: string;
  algorithm: string;
  createTime: string | null;
  generateTime: string | null;
  importJob: string | null;
  importFailureReason: string | null;
  /** Whether Cloud KMS holds a vendor attestation for the version (HSM keys). */
  hasAttestation: boolean;
}

export interface GcpCryptoKeyInfo {
  address: string;
  name: string;
  purpose: string;
  protectionLevel: string;
  algorithm: string;
  importOnly: boolean;
  primary: string | null;
  versions: GcpKeyVersionInfo[];
}

export interface GcpPublicKey {
  name: string;
  algorithm: string;
  protectionLevel: string;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  spkiSha256: string;
  /** Whether pem_crc32c matched the PEM that arrived. */
  crc32cVerified: true;
}

export interface GcpSignature {
  name: string;
  algorithm: string;
  signature: Uint8Array;
  /** What the integrity fields said: KMS saw our digest (or data) intact, we saw its signature intact. */
  integrity: { inputCrc32cVerifiedByKms: true; signatureCrc32cVerified: true };
  /** node:crypto accepted the signature under the version's public key. */
  verifiedLocally: boolean;
}
