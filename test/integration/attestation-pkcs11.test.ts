// Provenance verdicts from real SoftHSM keys: a generated key passes, an extractable one fails
// "never leaves", and an unwrapped copy reads truthfully as imported, not generated in this HSM.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVerdict, provenanceVerdict } from '../../src/main/attestation';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('attest');
let hsm: Pkcs11Provider;

beforeAll(async () => {
  hsm = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: token.label } });
  await hsm.login(pin(token.userPin));
});
afterAll(() => hsm.close());

const status = (v: ReturnType<typeof provenanceVerdict>, name: string) =>
  v.checks.find((c) => c.name === name)?.status;

describe('PKCS#11 provenance verdict on SoftHSM keys', () => {
  it('passes a key pair generated in the HSM and binds it to the ceremony key by SPKI', async () => {
    const { privateKey } = await hsm.generateKeyPair('ec-p256', { label: 'ceremony-root' });
    const spki = await hsm.publicKey({ label: 'ceremony-root' });
    const expected = createHash('sha256').update(spki).digest('hex');
    const v = provenanceVerdict(
      await hsm.getAttributes({ label: 'ceremony-root', class: 'private' }),
      {
        expectedSpkiSha256: expected,
      },
    );
    expect(v.overall).toBe('pass');
    expect(v.checks.map((c) => [c.name, c.status])).toEqual([
      ['origin', 'pass'],
      ['never-leaves', 'pass'],
      ['public-key-match', 'pass'],
    ]);
    expect(v.subject.uri).toBe(privateKey.uri);
    expect(v.boundPublicKey).toEqual({ spkiSha256: expected });
    expect(v.matchesCeremonyKey).toBe(true);
  });

  it('fails "never leaves" for a key generated extractable', async () => {
    const { privateKey } = await hsm.generateKeyPair('ec-p256', {
      label: 'loose',
      extractable: true,
    });
    const v = provenanceVerdict(privateKey);
    expect(v.overall).toBe('fail');
    expect(status(v, 'never-leaves')).toBe('fail');
    expect(v.checks.find((c) => c.name === 'never-leaves')?.evidence).toContain(
      'CKA_EXTRACTABLE=true',
    );
    // It was generated here, but it has been extractable: its history is not clean either.
    expect(v.checks.find((c) => c.name === 'origin')?.evidence).toContain(
      'CKA_NEVER_EXTRACTABLE=false',
    );
  });

  it('reports an unwrapped (imported) key as imported, not generated in this HSM', async () => {
    await hsm.generateKey('aes-256', { label: 'transfer-kek' });
    const { privateKey } = await hsm.generateKeyPair('ec-p256', {
      label: 'to-move',
      extractable: true,
    });
    const blob = await hsm.wrapKey(
      { label: 'transfer-kek' },
      { label: 'to-move', class: 'private' },
      'aes-kwp',
    );
    const copy = await hsm.unwrapKey({ label: 'transfer-kek' }, blob, 'aes-kwp', {
      type: 'ec-p256',
      class: 'private',
      label: 'moved',
      id: Buffer.from(privateKey.id, 'hex'),
    });
    expect(copy.provenance).toMatchObject({
      local: false,
      neverExtractable: false,
      extractable: false,
    });
    const v = provenanceVerdict(copy);
    expect(v.overall).toBe('fail');
    expect(v.checks.find((c) => c.name === 'origin')).toEqual({
      name: 'origin',
      status: 'fail',
      evidence:
        'imported, not generated in this HSM: CKA_LOCAL=false, CKA_NEVER_EXTRACTABLE=false, CKA_ALWAYS_SENSITIVE=false',
    });
    expect(status(v, 'never-leaves')).toBe('pass'); // unwrapped as a protected key
    expect(formatVerdict(v)).toContain('An imported key is not a fault of the HSM');
    const accepted = provenanceVerdict(copy, { acceptImported: true });
    expect(accepted.overall).toBe('pass');
    expect(accepted.checks[0]?.evidence).toContain('imported, not generated in this HSM');
  });

  it('a generated AES key passes and is named by its key check value', async () => {
    const aes = await hsm.generateKey('aes-256', { label: 'backup-kek' });
    const v = provenanceVerdict(aes);
    expect(v.overall).toBe('pass');
    expect(v.subject.fingerprint).toBe(`kcv:${aes.kcv}`);
    expect(v.boundPublicKey).toBeNull();
  });

  it('says a key is not the ceremony key when the fingerprints differ', async () => {
    const v = provenanceVerdict(
      await hsm.getAttributes({ label: 'ceremony-root', class: 'private' }),
      {
        expectedSpkiSha256: '00'.repeat(32),
      },
    );
    expect(v.overall).toBe('fail');
    expect(v.matchesCeremonyKey).toBe(false);
  });
});
