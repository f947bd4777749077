// The common verdict: how checks add up, how provenance attributes read (generated, imported,
// extractable, not reported), and how the verdict reads to a person.
import { describe, expect, it } from 'vitest';
import {
  buildVerdict,
  formatVerdict,
  overallOf,
  provenanceChecks,
  provenanceVerdict,
  verdictExitCode,
} from '../../src/main/attestation';
import type { KeyInfo, ProvenanceAttributes } from '../../src/main/hsm/types';

const GENERATED: ProvenanceAttributes = {
  local: true,
  neverExtractable: true,
  alwaysSensitive: true,
  extractable: false,
  sensitive: true,
};
const IMPORTED: ProvenanceAttributes = {
  local: false,
  neverExtractable: false,
  alwaysSensitive: false,
  extractable: false,
  sensitive: true,
};

function key(provenance: ProvenanceAttributes, over: Partial<KeyInfo> = {}): KeyInfo {
  return {
    label: 'root-2026',
    id: '01',
    class: 'private',
    type: 'ec-p256',
    sizeBits: 256,
    curve: 'P-256',
    spkiSha256: 'ab'.repeat(32),
    kcv: null,
    provenance,
    usage: {
      sign: true,
      verify: false,
      encrypt: false,
      decrypt: false,
      wrap: false,
      unwrap: false,
      derive: false,
    },
    token: true,
    uri: 'pkcs11:token=demo;object=root-2026;type=private',
    ...over,
  };
}

describe('overall', () => {
  it('fails on any fail, is unknown on any unknown, passes only when every check passes', () => {
    const c = (status: 'pass' | 'fail' | 'unknown') => ({ name: status, status, evidence: '' });
    expect(overallOf([c('pass'), c('pass')])).toBe('pass');
    expect(overallOf([c('pass'), c('unknown')])).toBe('unknown');
    expect(overallOf([c('unknown'), c('fail')])).toBe('fail');
    expect(overallOf([])).toBe('unknown');
    const v = buildVerdict({
      vendor: 'x',
      subject: { label: null, uri: null, fingerprint: null },
      checks: [c('pass')],
      boundPublicKey: null,
      matchesCeremonyKey: null,
      validatedAt: '2026-01-01T00:00:00Z',
      notes: [],
    });
    expect(verdictExitCode(v)).toBe(0);
    expect(verdictExitCode({ ...v, overall: 'unknown' })).toBe(1);
  });
});

describe('provenance attributes', () => {
  it('a key generated in the HSM that cannot leave passes both checks', () => {
    expect(provenanceChecks(GENERATED, 'CKA_').map((c) => c.status)).toEqual(['pass', 'pass']);
  });

  it('an imported key is reported as imported (truthfully), a failed origin unless imports are accepted', () => {
    const [origin, leaves] = provenanceChecks(IMPORTED, 'CKA_');
    expect(origin).toEqual({
      name: 'origin',
      status: 'fail',
      evidence:
        'imported, not generated in this HSM: CKA_LOCAL=false, CKA_NEVER_EXTRACTABLE=false, CKA_ALWAYS_SENSITIVE=false',
    });
    expect(leaves?.status).toBe('pass');
    const accepted = provenanceChecks(IMPORTED, 'CKA_', { acceptImported: true })[0];
    expect(accepted?.status).toBe('pass');
    expect(accepted?.evidence).toContain('imported, not generated in this HSM');
  });

  it('an extractable key fails "never leaves"; one that once was extractable fails origin', () => {
    const p = { ...GENERATED, extractable: true, neverExtractable: false };
    const [origin, leaves] = provenanceChecks(p, 'CKA_');
    expect(leaves).toMatchObject({
      status: 'fail',
      evidence: expect.stringContaining('can be exported'),
    });
    expect(origin).toMatchObject({
      status: 'fail',
      evidence: expect.stringContaining('has been extractable at some time'),
    });
    expect(provenanceChecks({ ...GENERATED, sensitive: false }, 'CKA_')[1]?.status).toBe('fail');
  });

  it('attributes the token does not report leave the checks unknown, not passed', () => {
    const none = {
      local: null,
      neverExtractable: null,
      alwaysSensitive: null,
      extractable: null,
      sensitive: null,
    };
    expect(provenanceChecks(none, 'CKA_').map((c) => c.status)).toEqual(['unknown', 'unknown']);
  });
});

describe('provenance verdict and its text', () => {
  it('names the key, binds its public key and compares it with the ceremony key', () => {
    const v = provenanceVerdict(key(GENERATED), {
      expectedSpkiSha256: 'AB'.repeat(32),
      now: new Date('2026-05-01T12:00:00Z'),
    });
    expect(v).toMatchObject({
      vendor: 'pkcs11',
      subject: {
        label: 'root-2026',
        uri: 'pkcs11:token=demo;object=root-2026;type=private',
        fingerprint: `sha256:${'ab'.repeat(32)}`,
      },
      boundPublicKey: { spkiSha256: 'ab'.repeat(32) },
      matchesCeremonyKey: true,
      validatedAt: '2026-05-01T12:00:00Z',
      overall: 'pass',
    });
    const other = provenanceVerdict(key(GENERATED), { expectedSpkiSha256: 'cd'.repeat(32) });
    expect(other.overall).toBe('fail');
    expect(other.matchesCeremonyKey).toBe(false);
  });

  it('a public key object is not evidence of anything; a secret key is named by its KCV', () => {
    expect(provenanceVerdict(key(GENERATED, { class: 'public' })).overall).toBe('unknown');
    const aes = provenanceVerdict(
      key(GENERATED, { class: 'secret', type: 'aes-256', spkiSha256: null, kcv: 'a1b2c3' }),
    );
    expect(aes.subject.fingerprint).toBe('kcv:a1b2c3');
    expect(aes.boundPublicKey).toBeNull();
  });

  it('reads as a person expects: outcome, key, each check with evidence, notes', () => {
    const text = formatVerdict(
      provenanceVerdict(key(IMPORTED), { now: new Date('2026-05-01T12:00:00Z') }),
    );
    expect(text.split('\n')[0]).toBe('Attestation verdict: FAIL (pkcs11)');
    expect(text).toContain('Key: "root-2026"  pkcs11:token=demo;object=root-2026;type=private');
    expect(text).toMatch(/\[FAIL {3}\] origin +imported, not generated in this HSM/);
    expect(text).toContain('Matches the ceremony key: not checked');
    expect(text).toContain('An imported key is not a fault of the HSM');
  });
});
