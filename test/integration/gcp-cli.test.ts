// The gcp commands as a user runs them: a CLI subprocess, a SoftHSM source token, the real SDK
// pointed with --endpoint at the loopback fake in this process; and without --endpoint or
// credentials, the one-sentence refusal (no network).
import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKms } from '../fakes/gcp/server';
import { runCli } from '../helpers/cli';
import { loadMarvellVector } from '../helpers/marvell-vector';
import { keysGenerate, tokenForCli } from '../helpers/cli-keys';

const work = mkdtempSync(join(tmpdir(), 'olocus-gcp-cli-'));
const { tokenUri, keyUri } = tokenForCli('gcp-cli-src', '135790', work);
const RING = 'projects/olocus-cli/locations/europe-west4/keyRings/cli';
const vector = loadMarvellVector();

let fake: FakeKms;
const gcp = (...args: string[]) => runCli(['gcp', ...args, '--endpoint', fake.endpoint]);
/** `gcp import` of a key on the SoftHSM token into a key of the fake's ring. */
const gcpImport = (label: string, cryptoKey: string, ...more: string[]) =>
  gcp(
    'import',
    '--from',
    keyUri(label),
    '--to',
    `gcpkms://${RING}/cryptoKeys/${cryptoKey}`,
    ...more,
  );

beforeAll(async () => {
  fake = await FakeKms.start();
  fake.seedKeyRing(RING);
});
afterAll(async () => {
  await fake.stop();
});

describe('gcp CLI against the fake', () => {
  it('gcp import moves an extractable P-256 key, proven, and gcp keys list shows the version', async () => {
    const gen = await runCli([
      ...keysGenerate(tokenUri, 'ec-p256', 'cli-ec'),
      '--extractable',
      '--json',
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const fp = (JSON.parse(gen.stdout) as { fingerprint: { value: string } }).fingerprint.value;
    const r = await gcpImport('cli-ec', 'cli-ec', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      source: { spkiSha256: string };
      target: { spkiSha256: string; address: string; state: string };
      proof: { spkiMatch: boolean; signatureVerified: boolean };
      oaepHash: string;
    };
    expect(result.source.spkiSha256).toBe(fp);
    expect(result.target.spkiSha256).toBe(fp);
    expect(result.proof).toMatchObject({ spkiMatch: true, signatureVerified: true });
    expect(result.oaepHash).toBe('sha1');

    const list = await gcp('keys', 'list', '--key-ring', `gcpkms://${RING}`, '--json');
    expect(list.code, list.stderr).toBe(0);
    const keys = (
      JSON.parse(list.stdout) as {
        keys: {
          address: string;
          versions: { address: string; state: string; protectionLevel: string }[];
        }[];
      }
    ).keys;
    expect(keys.find((k) => k.address.endsWith('/cli-ec'))?.versions).toMatchObject([
      { address: result.target.address, state: 'ENABLED', protectionLevel: 'HSM' },
    ]);
    const text = await gcp('keys', 'list', '--key-ring', `gcpkms://${RING}`);
    expect(text.stdout).toMatch(
      /cli-ec\s+1\s+ASYMMETRIC_SIGN\s+HSM\s+EC_SIGN_P256_SHA256\s+ENABLED/,
    );
  });

  it('refuses a non-extractable key with exit 3 naming 106, and the key stays on the token', async () => {
    expect((await runCli(keysGenerate(tokenUri, 'ec-p256', 'cli-stays'))).code).toBe(0);
    const r = await gcpImport('cli-stays', 'stays');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HSM error 106 \(refused by policy\).*not extractable/);
    const list = await runCli(['keys', 'list', '--hsm', tokenUri, '--json']);
    expect(
      (JSON.parse(list.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label),
    ).toContain('cli-stays');
  });

  it('a SHA-256 method on SoftHSM is exit 3 with the sentence; an unknown method is exit 2', async () => {
    const sha = await gcpImport('cli-ec', 'x', '--import-method', 'rsa-oaep-4096-sha256-aes-256');
    expect(sha.code).toBe(3);
    expect(sha.stderr).toMatch(
      /HSM error 104 .*RSA-OAEP only with SHA1.*choose rsa-oaep-4096-sha1-aes-256/,
    );
    const bad = await gcpImport('cli-ec', 'x', '--import-method', 'rsa-oaep-2048');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--import-method is one of/);
  });

  it.skipIf(!vector)(
    'gcp attest: exit 0 on the real attestation of its key, exit 1 when the key differs',
    async () => {
      const pems = vector!.certChainPem.match(
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
      )!;
      const attestation = {
        format: 'CAVIUM_V2_COMPRESSED' as const,
        content: Buffer.from(vector!.attestationBase64, 'base64'),
        certChains: {
          caviumCerts: pems.slice(0, 2),
          googlePartitionCerts: [pems[2]!],
          googleCardCerts: [pems[3]!],
        },
      };
      // The attested key, as the verdict of a first run reports it, is then served for the version.
      const key = `${RING}/cryptoKeys/attested`;
      fake.seedCryptoKey(key, { algorithm: 'EC_SIGN_P256_SHA256' });
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
      const wrong = fake.seedVersion(key, {
        publicKey: other,
        attestation,
        generateTime: new Date('2024-04-16T10:00:00Z'),
      });
      const no = await gcp('attest', '--key', `gcpkms://${wrong}`, '--json');
      expect(no.code).toBe(1);
      const verdict = JSON.parse(no.stdout) as {
        overall: string;
        boundPublicKey: { spkiSha256: string };
      };
      expect(verdict.overall).toBe('fail');

      const { MarvellAttestationProvider } = await import('@peculiar/attestation-marvell');
      await import('reflect-metadata');
      const read = await new MarvellAttestationProvider().read(new Uint8Array(attestation.content));
      const point = Buffer.from(read.metadata.attestationData.firstKey.attributes.OBJ_ATTR_MODULUS);
      const attested = createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: point.subarray(1, 33).toString('base64url'),
          y: point.subarray(33).toString('base64url'),
        },
        format: 'jwk',
      });
      const right = fake.seedVersion(key, {
        publicKey: attested,
        attestation,
        generateTime: new Date('2024-04-16T10:00:00Z'),
      });
      const yes = await gcp('attest', '--key', `gcpkms://${right}`);
      expect(yes.code, yes.stdout + yes.stderr).toBe(0);
      expect(yes.stdout).toMatch(/public-key-match/);

      // The contract's `attest --key` takes the same address and gives the same verdicts.
      const viaAttest = (version: string) =>
        runCli(['attest', '--key', `gcpkms://${version}`, '--endpoint', fake.endpoint]);
      expect((await viaAttest(right)).code).toBe(0);
      const refused = await viaAttest(wrong);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/public-key-match/);
    },
  );

  it('migrate --to gcpkms:// takes the import-job path: proven, the source stays', async () => {
    expect(
      (await runCli([...keysGenerate(tokenUri, 'ec-p384', 'cli-migrate'), '--extractable'])).code,
    ).toBe(0);
    const r = await runCli([
      'migrate',
      '--from',
      keyUri('cli-migrate'),
      '--to',
      `gcpkms://${RING}/cryptoKeys/cli-migrate`,
      '--endpoint',
      fake.endpoint,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      source: { spkiSha256: string };
      target: { spkiSha256: string };
      proof: { spkiMatch: boolean; signatureVerified: boolean };
    };
    expect(result.target.spkiSha256).toBe(result.source.spkiSha256);
    expect(result.proof).toMatchObject({ spkiMatch: true, signatureVerified: true });
    const keys = await runCli(['keys', 'list', '--hsm', tokenUri, '--json']);
    expect(
      (JSON.parse(keys.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label),
    ).toContain('cli-migrate');

    const destroy = await runCli([
      'migrate',
      '--from',
      keyUri('cli-migrate'),
      '--to',
      `gcpkms://${RING}/cryptoKeys/cli-migrate-2`,
      '--destroy-source',
      '--approved-by',
      'Alice Archer',
    ]);
    expect(destroy.code).toBe(2);
    expect(destroy.stderr).toContain('keeps its source');
    const kek = await runCli([
      'migrate',
      '--from',
      keyUri('cli-migrate'),
      '--to',
      `gcpkms://${RING}/cryptoKeys/cli-migrate-2`,
      '--kek-name',
      'x',
    ]);
    expect(kek.code).toBe(2);
    expect(kek.stderr).toContain('--kek-name does not apply');
  });
});

describe('gcp CLI without credentials', () => {
  const home = mkdtempSync(join(tmpdir(), 'olocus-gcp-home-'));
  const env = { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: '', METADATA_SERVER_DETECTION: 'none' };

  it('says in one sentence that there are no credentials (exit 3, 102), quickly and without network', async () => {
    const started = Date.now();
    const r = await runCli(['gcp', 'keys', 'list', '--key-ring', `gcpkms://${RING}`], { env });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(
      /^error: HSM error 102 \(authentication failed\): No Google Cloud credentials were found .*never stores credentials\.$/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('does not switch TLS off for a non-loopback --endpoint: credentials are still required', async () => {
    const r = await runCli(
      [
        'gcp',
        'keys',
        'list',
        '--key-ring',
        `gcpkms://${RING}`,
        '--endpoint',
        'kms.example.com:443',
      ],
      { env },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HSM error 102/);
  });
});
