// `gcp attest`: a version's attestation fetched through the real SDK from the loopback fake,
// which serves the REAL Google Cloud HSM attestation of the shared test vector, and judged by
// the Marvell verifier against the public key Cloud KMS serves for that version.
import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { MarvellAttestationProvider } from '@peculiar/attestation-marvell';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../src/main/service';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { FakeKms } from '../fakes/gcp/server';
import type { Attestation } from '../fakes/gcp/state';
import { loadMarvellVector } from '../helpers/marvell-vector';

const vector = loadMarvellVector();
const RING = 'projects/olocus-test/locations/us-east1/keyRings/attested';
const KEY = `${RING}/cryptoKeys/root`;
const GENERATED = new Date('2024-04-16T10:00:00Z');

let fake: FakeKms;
let service: CeremonyService;
let attestation: Attestation;
let attestedKey: KeyObject;
const connect = () => ({ endpoint: fake.endpoint });
const address = (name: string) => `gcpkms://${name}`;

/** The attested EC point read by an independent parser (@peculiar), as a public key. */
async function attestedPublicKey(content: Buffer): Promise<KeyObject> {
  const read = await new MarvellAttestationProvider().read(new Uint8Array(content));
  const point = Buffer.from(read.metadata.attestationData.firstKey.attributes.OBJ_ATTR_MODULUS);
  expect(point[0]).toBe(0x04);
  const half = (point.length - 1) / 2;
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 1 + half).toString('base64url'),
      y: point.subarray(1 + half).toString('base64url'),
    },
    format: 'jwk',
  });
}

beforeAll(async () => {
  if (!vector) return;
  fake = await FakeKms.start();
  fake.seedKeyRing(RING);
  fake.seedCryptoKey(KEY, { algorithm: 'EC_SIGN_P256_SHA256' });
  const pems = vector.certChainPem.match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  )!;
  attestation = {
    format: 'CAVIUM_V2_COMPRESSED',
    content: Buffer.from(vector.attestationBase64, 'base64'),
    certChains: {
      caviumCerts: pems.slice(0, 2),
      googlePartitionCerts: [pems[2]!],
      googleCardCerts: [pems[3]!],
    },
  };
  attestedKey = await attestedPublicKey(attestation.content);
  service = new CeremonyService();
});
afterAll(async () => {
  await service?.close();
  await fake?.stop();
});

describe.skipIf(!vector)('gcp attest (real Cloud HSM attestation served by the fake)', () => {
  it('passes for the version the attestation is about, validated at its generateTime', async () => {
    const v = fake.seedVersion(KEY, {
      publicKey: attestedKey,
      attestation,
      generateTime: GENERATED,
    });
    const verdict = await service.gcp.attest(address(v), {}, connect());
    expect(verdict.overall, JSON.stringify(verdict.checks, null, 1)).toBe('pass');
    expect(verdict.vendor).toBe('marvell-liquidsecurity');
    expect(verdict.matchesCeremonyKey).toBe(true);
    expect(verdict.checks.find((c) => c.name === 'public-key-match')?.status).toBe('pass');
    expect(verdict.validatedAt).toBe('2024-04-16T10:00:00Z');
    expect(verdict.subject.uri).toBe(address(v));
    expect(verdict.notes.join('\n')).toMatch(/generateTime/);
    expect(verdict.notes.join('\n')).toMatch(/public key Cloud KMS serves/);
    // The attestation travelled intact through the SDK and gRPC.
    expect(fake.calls.some((c) => c.method === 'GetCryptoKeyVersion')).toBe(true);
  });

  it('fails clearly for a version whose attestation is about another key', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const v = fake.seedVersion(KEY, { publicKey: other, attestation, generateTime: GENERATED });
    const verdict = await service.gcp.attest(address(v), {}, connect());
    expect(verdict.overall).toBe('fail');
    expect(verdict.matchesCeremonyKey).toBe(false);
    const match = verdict.checks.find((c) => c.name === 'public-key-match');
    expect(match?.status).toBe('fail');
    expect(match?.evidence).toMatch(/differs from the ceremony key/);
    // The evidence itself is still genuine: chains and signature pass.
    expect(verdict.checks.find((c) => c.name === 'attestation-signature')?.status).toBe('pass');
  });

  it('fails on an attestation with one flipped byte', async () => {
    const content = Buffer.from(attestation.content);
    content[content.length - 10]! ^= 0x01;
    const v = fake.seedVersion(KEY, {
      publicKey: attestedKey,
      attestation: { ...attestation, content },
      generateTime: GENERATED,
    });
    const verdict = await service.gcp.attest(address(v), {}, connect());
    expect(verdict.overall).toBe('fail');
    // The gzip's own CRC-32 catches the flip before the HSM signature is even reached.
    expect(verdict.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toContain(
      'container',
    );
  });

  it('says so when a version has no attestation', async () => {
    fake.seedCryptoKey(`${RING}/cryptoKeys/soft`, {
      algorithm: 'EC_SIGN_P256_SHA256',
      protectionLevel: 'SOFTWARE',
    });
    const v = fake.seedVersion(`${RING}/cryptoKeys/soft`, { publicKey: attestedKey });
    const e = await service.gcp.attest(address(v), {}, connect()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OlocusError);
    expect((e as OlocusError).code).toBe(ErrorCode.MECHANISM_UNSUPPORTED);
    expect((e as OlocusError).message).toMatch(
      /has no attestation .*Cloud KMS attests HSM keys only/,
    );
  });

  it('wants a version, not a key', async () => {
    const e = await service.gcp.attest(address(KEY), {}, connect()).catch((x: unknown) => x);
    expect((e as OlocusError).code).toBe(ErrorCode.INVALID_INPUT);
    expect((e as OlocusError).message).toMatch(/needs a key version/);
  });
});
