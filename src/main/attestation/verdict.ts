// One verdict shape for every way we attest a key (PKCS#11 attributes, Marvell LiquidSecurity
// attestations, AWS CloudHSM identity chains), so the CLI, the report and the ledger print and
// store the same thing whatever the vendor.

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export interface VerdictCheck {
  /** Stable machine name, e.g. `manufacturer-chain`, `origin`, `never-leaves`. */
  name: string;
  status: CheckStatus;
  /** What was looked at and what it said, in words an auditor can re-check. */
  evidence: string;
}

export interface VerdictSubject {
  label: string | null;
  uri: string | null;
  /** `sha256:<hex>` of the DER SubjectPublicKeyInfo, or `kcv:<hex>` for a secret key. */
  fingerprint: string | null;
}

export interface AttestationVerdict {
  /** Who vouches: `pkcs11` (the token's own attributes), `marvell-liquidsecurity`, `aws-cloudhsm`. */
  vendor: string;
  subject: VerdictSubject;
  checks: VerdictCheck[];
  /** The public key the evidence is about, when the evidence names one. */
  boundPublicKey: { spkiSha256: string } | null;
  /** Whether that key is the ceremony's key; null when no ceremony key was given to compare. */
  matchesCeremonyKey: boolean | null;
  /** ISO time the chains were validated at (attestation time, not "now", when roots expired). */
  validatedAt: string;
  notes: string[];
  overall: CheckStatus;
}

/** Any failed check fails the verdict; otherwise any unknown leaves it unknown; none is unknown. */
export function overallOf(checks: readonly VerdictCheck[]): CheckStatus {
  if (checks.length === 0) return 'unknown';
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.some((c) => c.status === 'unknown')) return 'unknown';
  return 'pass';
}

export function buildVerdict(parts: Omit<AttestationVerdict, 'overall'>): AttestationVerdict {
  return { ...parts, overall: overallOf(parts.checks) };
}

export function check(name: string, status: CheckStatus, evidence: string): VerdictCheck {
  return { name, status, evidence };
}

/** A boolean test turned into a check with the evidence for each outcome. */
export function checkIf(name: string, ok: boolean, pass: string, fail: string): VerdictCheck {
  return { name, status: ok ? 'pass' : 'fail', evidence: ok ? pass : fail };
}

/** Exit-code mapping the CLI contract wants: 0 for pass, 1 when a verification said no. */
export function verdictExitCode(v: AttestationVerdict): 0 | 1 {
  return v.overall === 'pass' ? 0 : 1;
}

/** ISO 8601 in UTC, without the milliseconds certificates never carry. */
export function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}
