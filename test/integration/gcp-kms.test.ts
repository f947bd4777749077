// Cloud KMS operations through the real SDK against the loopback fake: key rings, keys,
// versions, public keys and signatures with their CRC32C checks; wrong import blobs; and what
// happens without credentials or with a non-loopback endpoint (no network either way).
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKmsClient, parseEndpoint, withKms } from '../../src/main/hsm/gcp/client';
import { crc32c } from '../../src/main/hsm/gcp/crc32c';
import { requireAdcSource } from '../../src/main/hsm/gcp/credentials';
import { activeImportJob, importWrappedVersion } from '../../src/main/hsm/gcp/import-job';
import { CeremonyService } from '../../src/main/service';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { FakeKms } from '../fakes/gcp/server';

const LOCATION = 'gcpkms://projects/olocus-test/locations/global';
const RING = `${LOCATION}/keyRings/ops`;
let fake: FakeKms;
let service: CeremonyService;
const connect = () => ({ endpoint: fake.endpoint });

beforeAll(async () => {
  fake = await FakeKms.start();
  service = new CeremonyService();
});
afterAll(async () => {
  await service.close();
  await fake.stop();
});

async function failure(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

describe('Cloud KMS key rings, keys, versions', () => {
  it('creates a key ring and HSM keys, and lists them with protection level, algorithm, state', async () => {
    await service.gcp.createKeyRing(RING, connect());
    await service.gcp.createKey(
      `${RING}/cryptoKeys/p256`,
      { purpose: 'ASYMMETRIC_SIGN', algorithm: 'EC_SIGN_P256_SHA256' },
      connect(),
    );
    await service.gcp.createKey(
      `${RING}/cryptoKeys/p384`,
      { purpose: 'ASYMMETRIC_SIGN', algorithm: 'EC_SIGN_P384_SHA384' },
      connect(),
    );
    await service.gcp.createKey(
      `${RING}/cryptoKeys/rsa`,
      { purpose: 'ASYMMETRIC_SIGN', algorithm: 'RSA_SIGN_PKCS1_2048_SHA256' },
      connect(),
    );
    await service.gcp.createKey(
      `${RING}/cryptoKeys/sym`,
      { purpose: 'ENCRYPT_DECRYPT' },
      connect(),
    );
    const rings = await service.gcp.listKeyRings(LOCATION, connect());
    expect(rings.map((r) => r.name)).toEqual([
      'projects/olocus-test/locations/global/keyRings/ops',
    ]);
    const keys = await service.gcp.listKeys(RING, connect());
    expect(
      keys.map((k) => [k.address.split('/').pop(), k.purpose, k.protectionLevel, k.algorithm]),
    ).toEqual([
      ['p256', 'ASYMMETRIC_SIGN', 'HSM', 'EC_SIGN_P256_SHA256'],
      ['p384', 'ASYMMETRIC_SIGN', 'HSM', 'EC_SIGN_P384_SHA384'],
      ['rsa', 'ASYMMETRIC_SIGN', 'HSM', 'RSA_SIGN_PKCS1_2048_SHA256'],
      ['sym', 'ENCRYPT_DECRYPT', 'HSM', 'GOOGLE_SYMMETRIC_ENCRYPTION'],
    ]);
    expect(keys[0]!.versions).toMatchObject([
      {
        address: `${RING}/cryptoKeys/p256/cryptoKeyVersions/1`,
        state: 'ENABLED',
        protectionLevel: 'HSM',
        algorithm: 'EC_SIGN_P256_SHA256',
      },
    ]);
  });

  it('refuses a second key ring of the same name (ALREADY_EXISTS as 106)', async () => {
    const e = await failure(service.gcp.createKeyRing(RING, connect()));
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.ckr).toBe('ALREADY_EXISTS');
    expect(e.message).toMatch(/KeyRing .*already exists/);
  });

  it('names a missing key as 101 NOT_FOUND', async () => {
    const e = await failure(
      service.gcp.publicKey(`${RING}/cryptoKeys/nope/cryptoKeyVersions/1`, connect()),
    );
    expect(e.code).toBe(ErrorCode.KEY_NOT_FOUND);
    expect(e.describe()).toMatch(/HSM error 101 \(key not found, NOT_FOUND\)/);
  });

  it('returns the public key as DER SPKI with its SHA-256, and signatures that verify locally', async () => {
    for (const k of ['p256', 'p384', 'rsa']) {
      const v = `${RING}/cryptoKeys/${k}/cryptoKeyVersions/1`;
      const pk = await service.gcp.publicKey(v, connect());
      const der = Buffer.from(pk.spki, 'base64');
      expect(pk.spkiSha256).toBe(createHash('sha256').update(der).digest('hex'));
      // The key the fake really holds for the version.
      const held = createPublicKey(fake.privateKeyOf(v.slice('gcpkms://'.length))!);
      expect(pk.spkiSha256).toBe(
        createHash('sha256')
          .update(held.export({ format: 'der', type: 'spki' }))
          .digest('hex'),
      );
      const s = await service.gcp.sign(v, new Uint8Array(randomBytes(100)), connect());
      expect(s.verifiedLocally).toBe(true);
      expect(s.integrity).toEqual({
        inputCrc32cVerifiedByKms: true,
        signatureCrc32cVerified: true,
      });
    }
    // The digest was made locally and sent with its CRC32C; the message itself never left.
    const sign = fake.calls.filter((c) => c.method === 'AsymmetricSign').at(-1)!;
    expect((sign.request.digest as { sha256: Uint8Array }).sha256.length).toBe(32);
    expect((sign.request.data as Uint8Array).length).toBe(0);
    expect(Number((sign.request.digestCrc32c as { value: string }).value)).toBeGreaterThan(0);
  });

  it('signs with Ed25519 by sending the message itself with its CRC32C (no digest)', async () => {
    await service.gcp.createKey(
      `${RING}/cryptoKeys/ed`,
      { purpose: 'ASYMMETRIC_SIGN', algorithm: 'EC_SIGN_ED25519' },
      connect(),
    );
    const s = await service.gcp.sign(
      `${RING}/cryptoKeys/ed/cryptoKeyVersions/1`,
      Buffer.from('ceremony'),
      connect(),
    );
    expect(s).toMatchObject({ algorithm: 'EC_SIGN_ED25519', verifiedLocally: true });
    expect(Buffer.from(s.signature, 'base64')).toHaveLength(64);
    const sign = fake.calls.filter((c) => c.method === 'AsymmetricSign').at(-1)!;
    expect(Buffer.from(sign.request.data as Uint8Array).toString()).toBe('ceremony');
    expect(Number((sign.request.dataCrc32c as { value: string }).value)).toBe(crc32c('ceremony'));
  });

  it('refuses a signature or public key whose CRC32C does not match, and a KMS that did not check ours', async () => {
    const v = `${RING}/cryptoKeys/p256/cryptoKeyVersions/1`;
    try {
      fake.faults = { badSignatureCrc32c: true };
      expect((await failure(service.gcp.sign(v, Buffer.from('x'), connect()))).message).toMatch(
        /signature .*CRC32C that does not match/,
      );
      fake.faults = { badPemCrc32c: true };
      expect((await failure(service.gcp.publicKey(v, connect()))).message).toMatch(
        /public key .*CRC32C that does not match/,
      );
      fake.faults = { skipInputCrc32c: true };
      expect((await failure(service.gcp.sign(v, Buffer.from('x'), connect()))).message).toMatch(
        /did not confirm the CRC32C of the digest/,
      );
    } finally {
      fake.faults = {};
    }
  });
});

describe('wrong import blobs, as Cloud KMS answers them', () => {
  const ring = 'projects/olocus-test/locations/global/keyRings/ops';
  const key = `${ring}/cryptoKeys/imp`;

  it('a blob that does not unwrap leaves the version IMPORT_FAILED with the reason', async () => {
    fake.seedCryptoKey(key, { algorithm: 'EC_SIGN_P256_SHA256' });
    await withKms(connect(), async (kms) => {
      const job = await activeImportJob(kms, ring, 'garbage-job', 'rsa-oaep-3072-sha1-aes-256', {
        intervalMs: 20,
      });
      const e = await failure(
        importWrappedVersion(kms, {
          cryptoKey: key,
          importJob: job.name,
          algorithm: 'EC_SIGN_P256_SHA256',
          wrapped: new Uint8Array(randomBytes(384 + 48)),
        }),
      );
      expect(e.code).toBe(ErrorCode.OPERATION_FAILED);
      expect(e.message).toMatch(/IMPORT_FAILED \(The wrapped AES key could not be decrypted/);
      const short = await failure(
        importWrappedVersion(kms, {
          cryptoKey: key,
          importJob: job.name,
          algorithm: 'EC_SIGN_P256_SHA256',
          wrapped: new Uint8Array(100),
        }),
      );
      expect(short.code).toBe(ErrorCode.INVALID_INPUT);
      expect(short.ckr).toBe('INVALID_ARGUMENT');
      expect(short.message).toMatch(/wrapped_key has an invalid length/);
    });
    expect(fake.privateKeyOf(`${key}/cryptoKeyVersions/1`)).toBeNull();
  });
});

describe('CRC32C', () => {
  it('is the Castagnoli CRC (check value of "123456789" is 0xE3069283, RFC 3720 B.4 vector)', () => {
    expect(crc32c('123456789')).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });
});

describe('credentials and endpoints', () => {
  const empty = mkdtempSync(join(tmpdir(), 'olocus-no-adc-'));
  const noAdc = { env: { HOME: empty }, onGoogleCloud: () => null };

  it('without any ADC source says so at once, before the SDK or the network', async () => {
    const started = Date.now();
    const e = await failure(openKmsClient({ adc: noAdc }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(e.code).toBe(ErrorCode.AUTHENTICATION_FAILED);
    expect(e.message).toMatch(
      /No Google Cloud credentials were found.*gcloud auth application-default login.*never stores credentials/,
    );
  });

  it('names a GOOGLE_APPLICATION_CREDENTIALS file that is not there', () => {
    expect(() =>
      requireAdcSource({ env: { GOOGLE_APPLICATION_CREDENTIALS: join(empty, 'sa.json') } }),
    ).toThrow(/GOOGLE_APPLICATION_CREDENTIALS names .*sa\.json, which does not exist/);
  });

  it('accepts the gcloud well-known file and Google Cloud residency as sources', () => {
    expect(
      requireAdcSource({ env: { HOME: '/nonexistent' }, onGoogleCloud: () => 'test says GCE' }),
    ).toEqual({
      kind: 'google-cloud',
      evidence: 'test says GCE',
    });
    expect(() =>
      requireAdcSource({
        env: { HOME: '/nonexistent', METADATA_SERVER_DETECTION: 'none' },
        onGoogleCloud: () => 'GCE',
      }),
    ).toThrow(/No Google Cloud credentials/);
  });

  it('gives plaintext only to loopback endpoints; any other host still needs credentials and TLS', async () => {
    expect(parseEndpoint('127.0.0.1:8443').loopback).toBe(true);
    expect(parseEndpoint('[::1]:8443').loopback).toBe(true);
    expect(parseEndpoint('localhost:1').loopback).toBe(true);
    expect(parseEndpoint('kms.example.com:443').loopback).toBe(false);
    expect(parseEndpoint('127.0.0.1.example.com:443').loopback).toBe(false);
    const e = await failure(openKmsClient({ endpoint: 'kms.example.com:443', adc: noAdc }));
    expect(e.code).toBe(ErrorCode.AUTHENTICATION_FAILED);
    expect((await failure(openKmsClient({ endpoint: 'no-port' }))).code).toBe(
      ErrorCode.INVALID_INPUT,
    );
  });
});
