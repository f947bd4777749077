// The Marvell LiquidSecurity verdict on a real Google Cloud HSM attestation (shared test vector):
// it passes as shipped, and fails on every altered byte, on swapped or foreign chains and on a
// key that is not the attested one. The vector's Marvell root expired on 2025-11-16, so the
// chains are validated at attestation time and the verdict says so.
import { generateKeyPairSync } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import 'reflect-metadata';
import { MarvellAttestationProvider } from '@peculiar/attestation-marvell';
import { describe, expect, it } from 'vitest';
import {
  formatVerdict,
  splitMarvellBundle,
  verifyMarvellAttestation,
} from '../../src/main/attestation';
import type { AttestationVerdict, MarvellVerifyInput } from '../../src/main/attestation';
import { loadMarvellVector } from '../helpers/marvell-vector';

const vector = loadMarvellVector();
const present = vector !== null;
const certs =
  vector?.certChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
// The vector's bundle order: manufacturer partition, manufacturer card, owner partition, owner card.
const [mfrPartition = '', mfrCard = '', ownerPartition = '', ownerCard = ''] = certs;
const blob = vector
  ? new Uint8Array(Buffer.from(vector.attestationBase64, 'base64'))
  : new Uint8Array();
const AFTER_EXPIRY = new Date('2026-03-01T00:00:00Z');

function run(over: Partial<MarvellVerifyInput> = {}): Promise<AttestationVerdict> {
  return verifyMarvellAttestation({
    attestation: blob,
    manufacturerChainPem: `${mfrPartition}\n${mfrCard}`,
    ownerChainPem: `${ownerPartition}\n${ownerCard}`,
    now: AFTER_EXPIRY,
    ...over,
  });
}
const status = (v: AttestationVerdict, name: string) =>
  v.checks.find((c) => c.name === name)?.status;

describe.skipIf(!present)('Marvell attestation, real Google Cloud HSM vector', () => {
  it('passes as shipped: both chains, both partition certificates, the signature, a generated key that cannot leave', async () => {
    const v = await run();
    expect(v.overall).toBe('pass');
    expect(v.vendor).toBe('marvell-liquidsecurity');
    expect(v.checks.map((c) => [c.name, c.status])).toEqual([
      ['container', 'pass'],
      ['format', 'pass'],
      ['manufacturer-chain', 'pass'],
      ['owner-chain', 'pass'],
      ['partition-certificates', 'pass'],
      ['attestation-signature', 'pass'],
      ['key-pair', 'pass'],
      ['attested-public-key', 'pass'],
      ['origin', 'pass'],
      ['never-leaves', 'pass'],
    ]);
    expect(v.subject).toEqual({
      label: 'app_key',
      uri: null,
      fingerprint: 'sha256:4075a3e5a13e33095430962abcbacbef32d7737234868785d2420893293fc86a',
    });
    expect(v.boundPublicKey).toEqual({
      spkiSha256: '4075a3e5a13e33095430962abcbacbef32d7737234868785d2420893293fc86a',
    });
    expect(v.matchesCeremonyKey).toBeNull();
    expect(formatVerdict(v)).toMatch(/^Attestation verdict: PASS \(marvell-liquidsecurity\)/);
  });

  it('validates at attestation time, derived from the certificates, and names the expired Marvell root', async () => {
    const v = await run();
    // The latest notBefore among the four certificates: the owner's partition certificate.
    expect(v.validatedAt).toBe('2024-04-15T18:20:45Z');
    expect(v.notes.join('\n')).toContain('latest notBefore among the supplied certificates');
    const expired = v.notes.find((n) => n.includes('expired on 2025-11-16T13:55:25Z'));
    expect(expired).toContain(
      'Marvell (Cavium) LiquidSecurity manufacturer root "localca.liquidsecurity.cavium.com"',
    );
    expect(expired).toContain('validation was done at attestation time');
    expect(formatVerdict(v)).toContain('expired on 2025-11-16T13:55:25Z');
    // Before the expiry there is nothing to explain.
    const earlier = await run({ now: new Date('2025-06-01T00:00:00Z') });
    expect(earlier.overall).toBe('pass');
    expect(earlier.notes.some((n) => n.includes('expired'))).toBe(false);
  });

  it('fails the manufacturer chain when told to validate now, after the root expired (why attestation time is used)', async () => {
    const v = await run({ attestedAt: { at: AFTER_EXPIRY, source: 'a test clock' } });
    expect(v.overall).toBe('fail');
    expect(status(v, 'manufacturer-chain')).toBe('fail');
    expect(v.checks.find((c) => c.name === 'manufacturer-chain')?.evidence).toContain(
      '"localca.liquidsecurity.cavium.com" is not valid at 2026-03-01T00:00:00Z',
    );
    expect(status(v, 'owner-chain')).toBe('pass'); // the Google root is valid to 2030
  });

  it('accepts the one-file bundle, split by issuer and then verified per role', async () => {
    const split = splitMarvellBundle(vector!.certChainPem);
    const v = await run(split);
    expect(v.overall).toBe('pass');
  });

  it('fails on every flipped byte of the compressed attestation, including bytes inflate would ignore', async () => {
    // Positions found on this vector where gunzip yields identical bytes after a flip: the gzip
    // header flag/time/OS bytes, three Huffman-table bits and the final padding bit.
    const invisible = [3, 4, 5, 6, 7, 8, 9, 236, 292, 295, 764];
    const masks = [0x01, 0x80, 0xff];
    const cases: [number, number][] = [
      ...Array.from(blob, (_, i): [number, number] => [i, masks[i % 3]!]),
      ...invisible.flatMap((i) => masks.map((m): [number, number] => [i, m])),
    ];
    const notFailed: string[] = [];
    for (const [i, mask] of cases) {
      const altered = new Uint8Array(blob);
      altered[i]! ^= mask;
      const v = await run({ attestation: altered });
      if (v.overall !== 'fail') notFailed.push(`${i}^0x${mask.toString(16)}`);
    }
    expect(notFailed).toEqual([]);
  }, 120_000);

  it('fails on any flipped byte of the signed data or the signature in the uncompressed form', async () => {
    const raw = new Uint8Array(gunzipSync(blob));
    expect((await run({ attestation: raw })).overall).toBe('pass');
    for (const i of [0, 20, 40, 500, 1000, 1855, 1856, 2000, 2111]) {
      const altered = new Uint8Array(raw);
      altered[i]! ^= 0x01;
      const v = await run({ attestation: altered });
      expect(v.overall, `byte ${i}`).toBe('fail');
      expect(
        ['format', 'attestation-signature'].some((n) => status(v, n) === 'fail'),
        `byte ${i}`,
      ).toBe(true);
    }
  });

  it('fails when the chains are swapped (manufacturer chain given as the owner chain and back)', async () => {
    const v = await run({
      manufacturerChainPem: `${ownerPartition}\n${ownerCard}`,
      ownerChainPem: `${mfrPartition}\n${mfrCard}`,
    });
    expect(v.overall).toBe('fail');
    expect(status(v, 'manufacturer-chain')).toBe('fail');
    expect(status(v, 'owner-chain')).toBe('fail');
    expect(status(v, 'attestation-signature')).not.toBe('pass');
  });

  it('fails when a certificate from the other chain stands in (same name, same key, other issuer)', async () => {
    // The owner card certificate has the manufacturer card's subject and key, but Google issued it.
    const a = await run({ manufacturerChainPem: `${mfrPartition}\n${ownerCard}` });
    expect(a.overall).toBe('fail');
    expect(status(a, 'manufacturer-chain')).toBe('fail');
    const b = await run({ ownerChainPem: `${mfrPartition}\n${ownerCard}` });
    expect(b.overall).toBe('fail');
    expect(b.checks.find((c) => c.name === 'owner-chain')?.evidence).toContain(
      'not issued and signed by the pinned Google',
    );
    const c = await run({ ownerChainPem: ownerPartition });
    expect(status(c, 'owner-chain')).toBe('fail');
  });

  it('compares the attested key with the ceremony key: equal passes, a different key fails', async () => {
    const split = splitMarvellBundle(vector!.certChainPem);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    const bad = await run({ ...split, expectedSpki: new Uint8Array(other) });
    expect(bad.overall).toBe('fail');
    expect(bad.matchesCeremonyKey).toBe(false);
    expect(status(bad, 'public-key-match')).toBe('fail');
    // The matching key as an independent implementation reads it from the same attestation.
    const library = await new MarvellAttestationProvider().read(blob);
    const good = await run({ ...split, expectedSpki: new Uint8Array(library.publicKey.rawData) });
    expect(good.overall).toBe('pass');
    expect(good.matchesCeremonyKey).toBe(true);
  });
});
