// PKCS#11 → Cloud HSM through an import job: a real SoftHSM token wraps the key inside itself,
// the real @google-cloud/kms client carries it over gRPC to the loopback fake, which really
// unwraps it (RSA-OAEP with the job's key, then AES-KWP) and signs with what it recovered.
import { createPublicKey, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withKms } from '../../src/main/hsm/gcp/client';
import { parseGcpAddress } from '../../src/main/hsm/gcp/names';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { CeremonyService } from '../../src/main/service';
import { Connections } from '../../src/main/service/connections';
import { importToCloudKms } from '../../src/main/transfer/gcp-import';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { FakeKms } from '../fakes/gcp/server';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('gcp-import-src', '246810');
const pinFile = join(tmpdir(), `olocus-gcp-import-${randomBytes(4).toString('hex')}.pin`);
writeFileSync(pinFile, token.userPin, { mode: 0o600 });
const tokenUri = `pkcs11:token=${token.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const keyUri = (label: string) =>
  `pkcs11:token=${token.label};object=${label};type=private?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;

const RING = 'projects/olocus-test/locations/europe-west3/keyRings/ceremony';
const to = (key: string) => `gcpkms://${RING}/cryptoKeys/${key}`;

let fake: FakeKms;
let service: CeremonyService;
const connect = () => ({ endpoint: fake.endpoint });

beforeAll(async () => {
  fake = await FakeKms.start();
  fake.seedKeyRing(RING);
  service = new CeremonyService();
});
afterAll(async () => {
  await service.close();
  await fake.stop();
});

async function generate(type: string, label: string, extractable = true) {
  const g = await service.generateKey(tokenUri, type, label, { extractable });
  return g.fingerprint!.value;
}

/** The source key is still on the token and still signs (nothing was lost). */
async function sourceStillWorks(label: string, fingerprint: string) {
  const keys = await service.listKeys(tokenUri);
  const key = keys.keys.find((k) => k.label === label && k.class === 'private');
  expect(key?.spkiSha256).toBe(fingerprint);
  const data = new Uint8Array(randomBytes(32));
  const sig = await service.sign(keyUri(label), data);
  expect(
    (await service.verify(keyUri(label), data, Buffer.from(sig.signature, 'base64'))).valid,
  ).toBe(true);
}

async function refusal(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

describe('gcp import (SoftHSM → fake Cloud HSM)', () => {
  it('imports an EC P-256 key: same public key, a Cloud KMS signature the source key accepts', async () => {
    const fp = await generate('ec-p256', 'gcp-ec');
    const r = await service.gcp.importKey(keyUri('gcp-ec'), to('ec-key'), {}, connect());
    expect(r.source.spkiSha256).toBe(fp);
    expect(r.target.spkiSha256).toBe(fp);
    expect(r.target).toMatchObject({
      state: 'ENABLED',
      protectionLevel: 'HSM',
      algorithm: 'EC_SIGN_P256_SHA256',
      cryptoKeyCreated: true,
      address: `${to('ec-key')}/cryptoKeyVersions/1`,
    });
    expect(r.proof).toEqual({ method: 'spki+signature', spkiMatch: true, signatureVerified: true });
    // SoftHSM does OAEP with SHA-1 only; the choice and its reason are in the result.
    expect(r.importJob.method).toBe('rsa-oaep-3072-sha1-aes-256');
    expect(r.oaepHash).toBe('sha1');
    expect(r.oaepNote).toMatch(/only with SHA-1/);
    expect(r.importJob.protectionLevel).toBe('HSM');

    // What the fake recovered from the blob is the source key itself.
    const stored = fake.privateKeyOf(r.target.name)!;
    const storedSpki = createPublicKey(stored).export({ type: 'spki', format: 'der' });
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(storedSpki).digest('hex')).toBe(fp);
    // The blob went in wrapped_key, sized OAEP-3072 (384 bytes) + KWP of a PKCS#8.
    const call = fake.calls.find((c) => c.method === 'ImportCryptoKeyVersion')!;
    const wrapped = call.request.wrappedKey as Uint8Array;
    expect(wrapped.length).toBeGreaterThan(384 + 16);
    expect((wrapped.length - 384) % 8).toBe(0);
    await sourceStillWorks('gcp-ec', fp);
  });

  it('imports an RSA-2048 key into an existing HSM key and signs with it through the SDK', async () => {
    fake.seedCryptoKey(`${RING}/cryptoKeys/rsa-key`, { algorithm: 'RSA_SIGN_PKCS1_2048_SHA256' });
    const fp = await generate('rsa-2048', 'gcp-rsa');
    const r = await service.gcp.importKey(keyUri('gcp-rsa'), to('rsa-key'), {}, connect());
    expect(r.target).toMatchObject({
      algorithm: 'RSA_SIGN_PKCS1_2048_SHA256',
      cryptoKeyCreated: false,
    });
    expect(r.target.spkiSha256).toBe(fp);
    expect(r.proof.signatureVerified).toBe(true);
    expect(fake.privateKeyOf(r.target.name)?.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const signed = await service.gcp.sign(r.target.address, Buffer.from('hello'), connect());
    expect(signed).toMatchObject({
      algorithm: 'RSA_SIGN_PKCS1_2048_SHA256',
      verifiedLocally: true,
    });
    await sourceStillWorks('gcp-rsa', fp);
  });

  it('reuses a named import job and records that it did', async () => {
    await generate('ec-p256', 'gcp-job-a');
    await generate('ec-p256', 'gcp-job-b');
    const a = await service.gcp.importKey(
      keyUri('gcp-job-a'),
      to('job-a'),
      { importJob: 'shared-job' },
      connect(),
    );
    const b = await service.gcp.importKey(
      keyUri('gcp-job-b'),
      to('job-b'),
      { importJob: 'shared-job' },
      connect(),
    );
    expect(a.importJob.reused).toBe(false);
    expect(b.importJob.reused).toBe(true);
    expect(b.importJob.spkiSha256).toBe(a.importJob.spkiSha256);
  });

  it('refuses a SHA-256 import method on SoftHSM with a sentence, before creating anything', async () => {
    const fp = await generate('ec-p256', 'gcp-sha256');
    const jobsBefore = fake.state.importJobs.size;
    const e = await refusal(
      service.gcp.importKey(
        keyUri('gcp-sha256'),
        to('sha256'),
        { method: 'rsa-oaep-3072-sha256-aes-256' },
        connect(),
      ),
    );
    expect(e.code).toBe(ErrorCode.MECHANISM_UNSUPPORTED);
    expect(e.message).toMatch(/RSA-OAEP only with SHA1.*choose rsa-oaep-3072-sha1-aes-256/);
    expect(fake.state.importJobs.size).toBe(jobsBefore);
    expect(fake.state.cryptoKeys.has(`${RING}/cryptoKeys/sha256`)).toBe(false);
    await sourceStillWorks('gcp-sha256', fp);
  });

  it('refuses a key that is not extractable', async () => {
    const fp = await generate('ec-p256', 'gcp-stays', false);
    const e = await refusal(service.gcp.importKey(keyUri('gcp-stays'), to('stays'), {}, connect()));
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.message).toMatch(/not extractable/);
    expect(fake.state.cryptoKeys.has(`${RING}/cryptoKeys/stays`)).toBe(false);
    await sourceStillWorks('gcp-stays', fp);
  });

  it('refuses a key type the import job cannot take (EC P-521: no Cloud KMS algorithm)', async () => {
    const fp = await generate('ec-p521', 'gcp-p521');
    const e = await refusal(service.gcp.importKey(keyUri('gcp-p521'), to('p521'), {}, connect()));
    expect(e.code).toBe(ErrorCode.MECHANISM_UNSUPPORTED);
    expect(e.message).toMatch(/no signing algorithm for ec-p521/);
    await sourceStillWorks('gcp-p521', fp);
  });

  it('refuses Ed25519 from SoftHSM, which cannot wrap it', async () => {
    const fp = await generate('ed25519', 'gcp-ed');
    const e = await refusal(service.gcp.importKey(keyUri('gcp-ed'), to('ed'), {}, connect()));
    expect(e.code).toBe(ErrorCode.MECHANISM_UNSUPPORTED);
    expect(e.message).toMatch(/cannot wrap ed25519 keys/);
    await sourceStillWorks('gcp-ed', fp);
  });

  it('refuses a wrap weaker than the key (EC P-384 under an RSA-3072 import job)', async () => {
    const fp = await generate('ec-p384', 'gcp-p384');
    const e = await refusal(
      service.gcp.importKey(
        keyUri('gcp-p384'),
        to('p384'),
        { method: 'rsa-oaep-3072-sha1-aes-256' },
        connect(),
      ),
    );
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.message).toMatch(/SP 800-57 comparable strength/);
    expect(fake.state.cryptoKeys.has(`${RING}/cryptoKeys/p384`)).toBe(false);
    // Without the weak method it goes through under RSA-4096.
    const ok = await service.gcp.importKey(keyUri('gcp-p384'), to('p384'), {}, connect());
    expect(ok.importJob.method).toBe('rsa-oaep-4096-sha1-aes-256');
    expect(ok.strength).toMatchObject({ keyBits: 192, wrapBits: 152, belowKey: true });
    await sourceStillWorks('gcp-p384', fp);
  });

  it('refuses an existing import job of another method instead of using it', async () => {
    await generate('ec-p256', 'gcp-other-job');
    await service.gcp.importKey(
      keyUri('gcp-other-job'),
      to('other-job'),
      { importJob: 'job-4096', method: 'rsa-oaep-4096-sha1-aes-256' },
      connect(),
    );
    const e = await refusal(
      service.gcp.importKey(
        keyUri('gcp-other-job'),
        to('other-job-2'),
        { importJob: 'job-4096', method: 'rsa-oaep-3072-sha1-aes-256' },
        connect(),
      ),
    );
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.message).toMatch(/uses RSA_OAEP_4096_SHA1_AES_256, not RSA_OAEP_3072_SHA1_AES_256/);
    // Named without a method, the existing job's method is taken (and still checked).
    const adopted = await service.gcp.importKey(
      keyUri('gcp-other-job'),
      to('other-job-3'),
      { importJob: 'job-4096' },
      connect(),
    );
    expect(adopted.importJob).toMatchObject({ method: 'rsa-oaep-4096-sha1-aes-256', reused: true });
    expect(adopted.oaepNote).toMatch(/the existing import job job-4096 uses it/);
  });

  it('writes ledger events with both fingerprints, mechanisms and the outcome (and a refusal)', async () => {
    const fp = await generate('ec-p256', 'gcp-ledger');
    await generate('ec-p256', 'gcp-ledger-stays', false);
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const audit = {
      event: async (type: string, data: Record<string, unknown>) =>
        void events.push({ type, data }),
    };
    const connections = new Connections({});
    const { provider } = await connections.get(parsePkcs11Uri(keyUri('gcp-ledger')), 'always');
    await withKms(connect(), (kms) =>
      importToCloudKms(
        provider,
        { label: 'gcp-ledger', class: 'private' },
        kms,
        parseGcpAddress(to('ledger')),
        { audit },
      ),
    );
    await withKms(connect(), (kms) =>
      importToCloudKms(
        provider,
        { label: 'gcp-ledger-stays', class: 'private' },
        kms,
        parseGcpAddress(to('ledger-2')),
        { audit },
      ),
    ).catch(() => undefined);
    await connections.close();
    expect(events.map((e) => e.type)).toEqual(['key.imported_to_cloud', 'key.migration_refused']);
    expect(events[0]!.data).toMatchObject({
      label: 'gcp-ledger',
      mechanisms: ['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP'],
      import_method: 'rsa-oaep-3072-sha1-aes-256',
      source: { spki_sha256: fp },
      target: { spki_sha256: fp, protection_level: 'HSM' },
      proof: { spki_match: true, signature_verified: true },
      outcome: 'verified',
    });
    expect(events[1]!.data).toMatchObject({
      label: 'gcp-ledger-stays',
      outcome: 'refused',
      code: 106,
    });
    // Public facts only: nothing in the events looks like key bytes.
    expect(JSON.stringify(events)).not.toMatch(/[A-Za-z0-9+/]{200,}/);
  });

  it('on a module of unknown OAEP hashes tries SHA-256, and on refusal uses a SHA-1 job, saying why', async () => {
    // SoftHSM, its vendor name hidden so no profile tells the OAEP hashes: every call below is
    // the real module, which really refuses OAEP with SHA-256 (CKR_ARGUMENTS_BAD).
    const fp = await generate('ec-p256', 'gcp-unknown');
    const connections = new Connections({});
    const { provider } = await connections.get(parsePkcs11Uri(keyUri('gcp-unknown')), 'always');
    const anonymous = new Proxy(provider, {
      get(target, prop) {
        if (prop === 'info')
          return async () => ({
            ...(await target.info()),
            manufacturer: 'Acme',
            description: 'Acme HSM',
          });
        if (prop === 'tokenInfo')
          return async () => ({ ...(await target.tokenInfo()), manufacturer: 'Acme', model: 'A1' });
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const r = await withKms(connect(), (kms) =>
      importToCloudKms(
        anonymous,
        { label: 'gcp-unknown', class: 'private' },
        kms,
        parseGcpAddress(to('unknown')),
      ),
    );
    await connections.close();
    expect(r.importJob.method).toBe('rsa-oaep-3072-sha1-aes-256');
    expect(r.oaepHash).toBe('sha1');
    expect(r.oaepNote).toMatch(
      /refused RSA-OAEP with SHA-256 \(CKR_ARGUMENTS_BAD\); an import job with rsa-oaep-3072-sha1-aes-256 was used/,
    );
    expect(r.target.spkiSha256).toBe(fp);
    expect(r.proof).toMatchObject({ spkiMatch: true, signatureVerified: true });
    // Two jobs were made: the SHA-256 one that the module could not wrap for, then the SHA-1 one.
    const jobs = fake.calls.filter((c) => c.method === 'CreateImportJob').slice(-2);
    expect(jobs.map((c) => (c.request.importJob as { importMethod: string }).importMethod)).toEqual(
      ['RSA_OAEP_3072_SHA256_AES_256', 'RSA_OAEP_3072_SHA1_AES_256'],
    );
  });

  it('leaves no transient import-job key on the source token', async () => {
    const keys = await service.listKeys(tokenUri);
    expect(keys.keys.filter((k) => k.label.startsWith('olocus-gcp-import-'))).toEqual([]);
  });
});
