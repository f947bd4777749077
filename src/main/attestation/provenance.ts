// Key provenance from the PKCS#11 attributes that record a key's history (PKCS#11 3.0 §4.9):
// CKA_LOCAL (made in this token), CKA_NEVER_EXTRACTABLE and CKA_ALWAYS_SENSITIVE (never left it
// and never was readable), and the current CKA_EXTRACTABLE / CKA_SENSITIVE (can it leave now).
// The same reading serves Marvell attestations, whose OBJ_ATTR_* carry the same attributes
// signed by the HSM; only the spelling of the names differs.
import { createHash } from 'node:crypto';
import type { KeyInfo, ProvenanceAttributes } from '../hsm/types';
import { buildVerdict, check, iso } from './verdict';
import type { AttestationVerdict, VerdictCheck } from './verdict';

export interface ProvenanceOptions {
  /**
   * An imported (unwrapped) key is truthfully "not generated in this HSM". For a ceremony key
   * that must be born in the HSM that is a failed check; for a key brought in on purpose
   * (migrate, BYOK) the caller sets this and the same fact is reported as accepted.
   */
  acceptImported?: boolean;
}

/** How the attributes are spelled in the evidence: `CKA_` for PKCS#11, `OBJ_ATTR_` for Marvell. */
export type AttributePrefix = 'CKA_' | 'OBJ_ATTR_';

const show = (v: boolean | null) => (v === null ? 'not reported' : String(v));

export function provenanceChecks(
  p: ProvenanceAttributes,
  prefix: AttributePrefix,
  options: ProvenanceOptions = {},
): VerdictCheck[] {
  const name = (a: string) => `${prefix}${a}`;
  const history =
    `${name('LOCAL')}=${show(p.local)}, ${name('NEVER_EXTRACTABLE')}=${show(p.neverExtractable)}, ` +
    `${name('ALWAYS_SENSITIVE')}=${show(p.alwaysSensitive)}`;
  const now = `${name('EXTRACTABLE')}=${show(p.extractable)}, ${name('SENSITIVE')}=${show(p.sensitive)}`;
  return [originCheck(p, history, options), neverLeavesCheck(p, now)];
}

function originCheck(
  p: ProvenanceAttributes,
  evidence: string,
  options: ProvenanceOptions,
): VerdictCheck {
  if (p.local === false) {
    // Unwrapped or created from a value: the HSM is telling the truth about the key's history.
    return options.acceptImported
      ? check(
          'origin',
          'pass',
          `imported, not generated in this HSM (accepted as a transferred key): ${evidence}`,
        )
      : check('origin', 'fail', `imported, not generated in this HSM: ${evidence}`);
  }
  if (p.local === null || p.neverExtractable === null || p.alwaysSensitive === null) {
    return check('origin', 'unknown', `the HSM did not report the key's history: ${evidence}`);
  }
  if (p.neverExtractable && p.alwaysSensitive) {
    return check(
      'origin',
      'pass',
      `generated in this HSM and never extractable or readable: ${evidence}`,
    );
  }
  const was = [
    !p.neverExtractable ? 'extractable' : null,
    !p.alwaysSensitive ? 'readable in clear (not sensitive)' : null,
  ]
    .filter(Boolean)
    .join(' and ');
  return check(
    'origin',
    'fail',
    `generated in this HSM, but it has been ${was} at some time: ${evidence}`,
  );
}

function neverLeavesCheck(p: ProvenanceAttributes, evidence: string): VerdictCheck {
  if (p.extractable === true)
    return check(
      'never-leaves',
      'fail',
      `the key can be exported (wrapped) out of the HSM: ${evidence}`,
    );
  if (p.sensitive === false)
    return check('never-leaves', 'fail', `the key value can be read out in clear: ${evidence}`);
  if (p.extractable === null || p.sensitive === null)
    return check(
      'never-leaves',
      'unknown',
      `the HSM did not report whether the key can leave it: ${evidence}`,
    );
  return check('never-leaves', 'pass', `the key cannot leave the HSM: ${evidence}`);
}

export interface KeyProvenanceOptions extends ProvenanceOptions {
  /** SPKI SHA-256 (hex) of the ceremony's key, to say whether this is that key. */
  expectedSpkiSha256?: string;
  /** Who answered, e.g. the token's manufacturer; defaults to `pkcs11`. */
  vendor?: string;
  /** When the attributes were read; a provenance verdict has no chain, so this is its time. */
  now?: Date;
}

/** Verdict from a key's PKCS#11 attributes as its own token reports them (no vendor signature). */
export function provenanceVerdict(
  key: KeyInfo,
  options: KeyProvenanceOptions = {},
): AttestationVerdict {
  const notes: string[] = [
    "Evidence is the token's own attribute report over PKCS#11, not a signed vendor attestation.",
  ];
  let checks: VerdictCheck[];
  if (key.class === 'public') {
    checks = [
      check(
        'origin',
        'unknown',
        'a public key object holds no secret; attest its private half instead',
      ),
    ];
  } else {
    checks = provenanceChecks(key.provenance, 'CKA_', options);
    if (key.provenance.local === false && !options.acceptImported) {
      notes.push(
        'An imported key is not a fault of the HSM: keys brought in by unwrap or migration always ' +
          'report CKA_LOCAL=false; attest such a key with imported keys accepted.',
      );
    }
  }
  const spki = key.spkiSha256;
  let matches: boolean | null = null;
  if (options.expectedSpkiSha256 !== undefined) {
    const want = options.expectedSpkiSha256.toLowerCase();
    matches = spki !== null && spki === want;
    checks.push(
      check(
        'public-key-match',
        matches ? 'pass' : 'fail',
        spki === null
          ? `the key has no public key to compare (expected sha256:${want})`
          : `key sha256:${spki} ${matches ? 'equals' : 'differs from'} the ceremony key sha256:${want}`,
      ),
    );
  }
  return buildVerdict({
    vendor: options.vendor ?? 'pkcs11',
    subject: {
      label: key.label,
      uri: key.uri,
      fingerprint: spki ? `sha256:${spki}` : key.kcv ? `kcv:${key.kcv}` : null,
    },
    checks,
    boundPublicKey: spki ? { spkiSha256: spki } : null,
    matchesCeremonyKey: matches,
    validatedAt: iso(options.now ?? new Date()),
    notes,
  });
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
