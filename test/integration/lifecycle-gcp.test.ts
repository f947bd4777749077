// keys rotate on Cloud KMS keys: the real client against the loopback gRPC fake. A symmetric key
// gets a new version made primary; a signing key gets a new latest version (Cloud KMS gives
// asymmetric keys no primary); an older version is refused and the key keeps its versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKms } from '../fakes/gcp/server';
import { runCli } from '../helpers/cli';

const RING = 'projects/olocus-test/locations/europe-west1/keyRings/rotation';
const key = (k: string) => `gcpkms://${RING}/cryptoKeys/${k}`;
let fake: FakeKms;
const cli = (...args: string[]) => runCli([...args, '--endpoint', fake.endpoint]);

beforeAll(async () => {
  fake = await FakeKms.start();
  fake.seedKeyRing(RING);
});
afterAll(async () => {
  await fake.stop();
});

describe('keys rotate on Cloud KMS', { timeout: 180_000 }, () => {
  it('a symmetric key: a new version, made primary', async () => {
    const made = await cli(
      'gcp',
      'keys',
      'create',
      '--key',
      key('data'),
      '--algorithm',
      'GOOGLE_SYMMETRIC_ENCRYPTION',
    );
    expect(made.code, made.stderr).toBe(0);
    const r = await cli('keys', 'rotate', '--key', key('data'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      madePrimary: boolean;
      primary: { name: string };
      previous: { name: string };
    };
    expect(doc.madePrimary).toBe(true);
    expect(doc.previous.name).toBe(`${RING}/cryptoKeys/data/cryptoKeyVersions/1`);
    expect(doc.primary.name).toBe(`${RING}/cryptoKeys/data/cryptoKeyVersions/2`);
    expect(fake.state.cryptoKeys.get(`${RING}/cryptoKeys/data`)?.primary).toBe(doc.primary.name);
  });

  it('a signing key: a new latest version with a real key pair; an older version is refused', async () => {
    const made = await cli(
      'gcp',
      'keys',
      'create',
      '--key',
      key('signer'),
      '--algorithm',
      'EC_SIGN_P256_SHA256',
    );
    expect(made.code, made.stderr).toBe(0);
    const r = await cli('keys', 'rotate', '--key', key('signer'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the new version is 2 \(the latest; signing keys have no primary\)/);
    const k = fake.state.cryptoKeys.get(`${RING}/cryptoKeys/signer`)!;
    expect(k.versions.map((v) => v.state)).toEqual(['ENABLED', 'ENABLED']);
    expect(k.versions[1]!.publicKey).not.toBeNull();
    const old = await cli('keys', 'rotate', '--key', `${key('signer')}/cryptoKeyVersions/1`);
    expect(old.code).toBe(2);
    expect(old.stderr).toBe(
      'error: Version 1 of signer is not the latest (2); only the latest version is rotated. Address the key without a version. Nothing was changed.\n',
    );
    expect(k.versions).toHaveLength(2);
  });
});
