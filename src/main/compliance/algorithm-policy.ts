// The algorithm policy the report applies: NIST SP 800-131A Rev. 2 (transitions), FIPS 186-5
// (signatures, with the curves of SP 800-186) and SP 800-38F (key wrap). One verdict per
// algorithm the product can use, so a reviewer sees every key and mechanism the ledger mentions
// judged against the same written table rather than against someone's memory.

export type Verdict =
  /** Approved with at least 128-bit security strength. */
  | 'approved'
  /** Approved at 112-bit strength: allowed, with SP 800-57's end date in view. */
  | 'acceptable'
  /** Allowed only for key transport (wrapping), not for anything else. */
  | 'transport-only'
  /** Not an approved algorithm or parameter for this use. */
  | 'not-approved'
  /** Not in this table: a reviewer must judge it. */
  | 'unknown';

export interface AlgorithmAssessment {
  id: string;
  label: string;
  verdict: Verdict;
  reference: string;
  note: string;
}

type Entry = Omit<AlgorithmAssessment, 'id'>;

const SIG_186_5 = 'FIPS 186-5 (ECDSA §6, curves of SP 800-186)';

const POLICY: Record<string, Entry> = {
  'ec-p256': {
    label: 'EC P-256 (ECDSA)',
    verdict: 'approved',
    reference: SIG_186_5,
    note: '128-bit security strength.',
  },
  'ec-p384': {
    label: 'EC P-384 (ECDSA)',
    verdict: 'approved',
    reference: SIG_186_5,
    note: '192-bit security strength.',
  },
  'ec-p521': {
    label: 'EC P-521 (ECDSA)',
    verdict: 'approved',
    reference: SIG_186_5,
    note: '256-bit security strength.',
  },
  'ec-secp256k1': {
    label: 'EC secp256k1',
    verdict: 'not-approved',
    reference: 'FIPS 186-5 §6 / SP 800-186',
    note: 'secp256k1 is not one of the SP 800-186 curves, so ECDSA on it is not FIPS 186-5 approved (fine for blockchain interoperability, not for a FIPS posture).',
  },
  ed25519: {
    label: 'Ed25519 (EdDSA)',
    verdict: 'approved',
    reference: 'FIPS 186-5 §7 (EdDSA)',
    note: 'Pure Ed25519 is approved since FIPS 186-5 (2023); 128-bit security strength.',
  },
  'rsa-2048': {
    label: 'RSA 2048',
    verdict: 'acceptable',
    reference: 'SP 800-131A Rev. 2 §3, SP 800-57 Pt 1 Rev. 5',
    note: '112-bit security strength: acceptable, but SP 800-57 plans 112-bit strength out after 2030; prefer 3072 for keys meant to outlive that.',
  },
  'rsa-3072': {
    label: 'RSA 3072',
    verdict: 'approved',
    reference: 'FIPS 186-5 §5, SP 800-131A Rev. 2',
    note: '128-bit security strength.',
  },
  'rsa-4096': {
    label: 'RSA 4096',
    verdict: 'approved',
    reference: 'FIPS 186-5 §5, SP 800-131A Rev. 2',
    note: 'At least 128-bit security strength.',
  },
  'aes-128': {
    label: 'AES-128',
    verdict: 'approved',
    reference: 'FIPS 197, SP 800-131A Rev. 2',
    note: '128-bit security strength.',
  },
  'aes-256': {
    label: 'AES-256',
    verdict: 'approved',
    reference: 'FIPS 197, SP 800-131A Rev. 2',
    note: '256-bit security strength.',
  },
  'aes-kwp': {
    label: 'AES key wrap with padding (KWP, RFC 5649)',
    verdict: 'approved',
    reference: 'SP 800-38F §6.3 (KWP)',
    note: "Approved key-wrap mode; PKCS#11 3.0 names it CKM_AES_KEY_WRAP_KWP (0x210B). The number differs per module (SoftHSM 2.6: 0x210A; NSS: 0x210A is RFC 3394 + PKCS#7, not KWP), so each token's is resolved and recorded.",
  },
  'aes-kw': {
    label: 'AES key wrap (KW, RFC 3394)',
    verdict: 'approved',
    reference: 'SP 800-38F §6.2 (KW)',
    note: 'Approved key-wrap mode.',
  },
  'rsa-oaep-sha1': {
    label: 'RSA-OAEP with SHA-1',
    verdict: 'transport-only',
    reference: 'SP 800-56B Rev. 2, SP 800-131A Rev. 2 §9',
    note: 'SHA-1 remains acceptable inside OAEP for key transport only; never for signatures or anything else.',
  },
  'rsa-oaep-sha256': {
    label: 'RSA-OAEP with SHA-256',
    verdict: 'approved',
    reference: 'SP 800-56B Rev. 2',
    note: 'Approved key-transport scheme (with a modulus of at least 2048 bits).',
  },
  'rsa-aes-kwp': {
    label: 'RSA-OAEP + AES-KWP (CKM_RSA_AES_KEY_WRAP)',
    verdict: 'approved',
    reference: 'SP 800-56B Rev. 2, SP 800-38F',
    note: 'Approved as a composition when its OAEP hash is SHA-256 or stronger; with SHA-1 OAEP it is transport-only.',
  },
  'ecdsa-sha256': {
    label: 'ECDSA with SHA-256',
    verdict: 'approved',
    reference: SIG_186_5,
    note: 'Approved on the P-curves.',
  },
  'ecdsa-sha384': {
    label: 'ECDSA with SHA-384',
    verdict: 'approved',
    reference: SIG_186_5,
    note: 'Approved on the P-curves.',
  },
  'ecdsa-sha512': {
    label: 'ECDSA with SHA-512',
    verdict: 'approved',
    reference: SIG_186_5,
    note: 'Approved on the P-curves.',
  },
  eddsa: {
    label: 'EdDSA (pure)',
    verdict: 'approved',
    reference: 'FIPS 186-5 §7',
    note: 'Approved for Ed25519 and Ed448.',
  },
  'rsa-pkcs1-sha256': {
    label: 'RSASSA-PKCS1-v1_5 with SHA-256',
    verdict: 'approved',
    reference: 'FIPS 186-5 §5',
    note: 'Approved for signatures with a modulus of at least 2048 bits.',
  },
  'rsa-pss-sha256': {
    label: 'RSASSA-PSS with SHA-256',
    verdict: 'approved',
    reference: 'FIPS 186-5 §5',
    note: 'Approved for signatures with a modulus of at least 2048 bits.',
  },
  'rsa-pkcs1-v15-encrypt': {
    label: 'RSA PKCS#1 v1.5 encryption',
    verdict: 'not-approved',
    reference: 'SP 800-131A Rev. 2 §6',
    note: 'PKCS#1 v1.5 padding for key transport is disallowed after 2023.',
  },
  'sha1-signature': {
    label: 'SHA-1 in digital signatures',
    verdict: 'not-approved',
    reference: 'SP 800-131A Rev. 2 §9',
    note: 'SHA-1 is disallowed for digital signature generation.',
  },
  'aes-gcm': {
    label: 'AES-GCM',
    verdict: 'approved',
    reference: 'SP 800-38D',
    note: 'Approved authenticated encryption (IV rules of SP 800-38D apply).',
  },
  'aes-cbc-pad': {
    label: 'AES-CBC with padding',
    verdict: 'approved',
    reference: 'SP 800-38A',
    note: 'Approved mode for confidentiality; it gives no integrity.',
  },
};

// What the ledger, the HSM layer and PKCS#11 call the same thing.
const ALIASES: [RegExp, string][] = [
  [/^ecdsa-p256-sha256$/, 'ecdsa-sha256'],
  [/^ecdsa-p384-sha384$/, 'ecdsa-sha384'],
  [/^ed25519$/, 'ed25519'],
  [/^CKM_AES_KEY_WRAP_(PAD|KWP)\b|^CKM_AES_KWP\b|^aes-kwp$|RFC 5649/i, 'aes-kwp'],
  [/^CKM_AES_KEY_WRAP$|RFC 3394/i, 'aes-kw'],
  [/^CKM_RSA_AES_KEY_WRAP\b|^rsa-aes-kwp$/i, 'rsa-aes-kwp'],
  [/^CKM_RSA_PKCS_OAEP\b.*SHA-?1\b|^rsa-oaep-sha1$/i, 'rsa-oaep-sha1'],
  [/^CKM_RSA_PKCS_OAEP\b|^rsa-oaep-sha256$/i, 'rsa-oaep-sha256'],
  [/^CKM_RSA_PKCS$/, 'rsa-pkcs1-v15-encrypt'],
  [/^(ecdsa-with-)?sha1|sha1WithRSA/i, 'sha1-signature'],
  [/^CKM_ECDSA_SHA256$/, 'ecdsa-sha256'],
  [/^CKM_ECDSA_SHA384$/, 'ecdsa-sha384'],
  [/^CKM_ECDSA_SHA512$/, 'ecdsa-sha512'],
  [/^CKM_EDDSA$/, 'eddsa'],
  [/^CKM_SHA256_RSA_PKCS$|^rsa-pkcs1-sha256$/, 'rsa-pkcs1-sha256'],
  [/^CKM_SHA256_RSA_PKCS_PSS$|^rsa-pss-sha256$/, 'rsa-pss-sha256'],
  [/^CKM_AES_GCM$/, 'aes-gcm'],
  [/^CKM_AES_CBC_PAD$/, 'aes-cbc-pad'],
];

/** The policy id for a name the ledger or the HSM layer uses, or null when it names no algorithm. */
export function canonicalAlgorithm(name: string): string | null {
  const n = name.trim();
  if (POLICY[n]) return n;
  for (const [re, id] of ALIASES) if (re.test(n)) return id;
  return null;
}

export function assessAlgorithm(name: string): AlgorithmAssessment {
  const id = canonicalAlgorithm(name);
  const entry = id ? POLICY[id] : undefined;
  if (!id || !entry) {
    return {
      id: name,
      label: name,
      verdict: 'unknown',
      reference: '-',
      note: 'Not in the policy table of this build: a reviewer must judge it.',
    };
  }
  return { id, ...entry };
}

export const POLICY_IDS: readonly string[] = Object.keys(POLICY);
