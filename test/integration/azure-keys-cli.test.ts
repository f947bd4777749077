// Azure Key Vault and Managed HSM keys through the command line: the real SDK and credential
// chain against the loopback fake (bearer challenge, Entra token endpoint, real keys), and the
// one-sentence errors for missing or refused credentials, missing keys and throttling.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRA_HOST, startAzureRig } from '../fakes/azure/index';
import type { AzureTestRig } from '../fakes/azure/index';
import { runCli } from '../helpers/cli';
import { loadMarvellVector } from '../helpers/marvell-vector';

const VAULT = 'keys.vault.olocus.test';
const MHSM = 'ceremony.managedhsm.olocus.test';
const key = (name: string, host = VAULT) => `azurekv://${host}/keys/${name}`;
const work = mkdtempSync(join(tmpdir(), 'olocus-azure-keys-'));
const vector = loadMarvellVector();

let rig: AzureTestRig;
const cli = (...args: string[]) => runCli(args, { env: rig.env });
const createKey = (uri: string, type: string, ...more: string[]) =>
  cli('azure', 'keys', 'create', '--key', uri, '--type', type, ...more);
const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;
const errorOf = (r: { stdout: string }) =>
  json<{ error: { exitCode: number; code: number; message: string } }>(r).error;

interface KeyOut {
  uri: string;
  kid: string;
  kty: string;
  type: string;
  keyOps: string[];
  spki: string;
  spkiSha256: string;
}

beforeAll(async () => {
  rig = await startAzureRig({ vaults: [{ host: VAULT }, { host: MHSM, managedHsm: true }] });
});

afterAll(async () => {
  await rig?.fake.close();
});

describe('azure keys', { timeout: 180_000 }, () => {
  it('creates an EC-HSM P-256 key, lists it and reads it back with the same fingerprint', async () => {
    const made = await createKey(key('signer'), 'ec-p256', '--json');
    expect(made.code, made.stderr).toBe(0);
    const k = json<KeyOut>(made);
    expect(k).toMatchObject({ kty: 'EC-HSM', type: 'ec-p256', keyOps: ['sign', 'verify'] });
    const stored = rig.fake.vault(VAULT).latest('signer')!;
    const der = createPublicKey(stored.privateKey).export({ type: 'spki', format: 'der' });
    expect(k.spkiSha256).toBe(createHash('sha256').update(der).digest('hex'));
    expect(Buffer.from(k.spki, 'base64').equals(der)).toBe(true);
    const list = await cli('azure', 'keys', 'list', '--vault', VAULT, '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(json<{ keys: KeyOut[] }>(list).keys.find((x) => x.kid === k.kid)?.spkiSha256).toBe(
      k.spkiSha256,
    );
    const text = await cli('azure', 'keys', 'list', '--vault', VAULT);
    expect(text.stdout).toMatch(/signer\s+EC-HSM\s+ec-p256\s+sign,verify/);
    const got = await cli('azure', 'keys', 'get', '--key', k.uri, '--json');
    expect(json<KeyOut>(got).spkiSha256).toBe(k.spkiSha256);
  });

  it('refuses to create over an existing name (106) and AES on a key vault (104)', async () => {
    const again = await createKey(key('signer'), 'rsa-2048');
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(
      /HSM error 106 .*"signer" already exists in keys\.vault\.olocus\.test/,
    );
    expect(rig.fake.vault(VAULT).latest('signer')!.kty).toBe('EC-HSM');
    const aes = await createKey(key('aes'), 'aes-256');
    expect(aes.code).toBe(3);
    expect(aes.stderr).toMatch(
      /HSM error 104 .*not a Managed HSM: AES \(oct-HSM\) keys exist only on Managed HSM/,
    );
    expect(rig.fake.vault(VAULT).latest('aes')).toBeUndefined();
  });

  it.each([
    ['ec-p384', 'sha384', 'ieee-p1363'],
    ['rsa-3072', 'sha256', undefined],
  ] as const)(
    'a %s key signs through CryptographyClient; node:crypto and the vault both verify',
    async (type, hash, dsa) => {
      const made = await createKey(key(`s-${type}`), type, '--json');
      expect(made.code, made.stderr).toBe(0);
      const k = json<KeyOut>(made);
      const data = join(work, `${type}.txt`);
      writeFileSync(data, `document for ${type}\n`);
      const sig = join(work, `${type}.sig`);
      const s = await cli('azure', 'sign', '--key', k.uri, '--in', data, '--out', sig, '--json');
      expect(s.code, s.stderr).toBe(0);
      const pub = createPublicKey({
        key: Buffer.from(k.spki, 'base64'),
        format: 'der',
        type: 'spki',
      });
      const bytes = readFileSync(sig);
      expect(
        verify(hash, readFileSync(data), dsa ? { key: pub, dsaEncoding: dsa } : pub, bytes),
      ).toBe(true);
      const ok = await cli('azure', 'verify', '--key', k.uri, '--in', data, '--sig', sig);
      expect(ok.code, ok.stderr).toBe(0);
      writeFileSync(data, `document for ${type}, altered\n`);
      const bad = await cli(
        'azure',
        'verify',
        '--key',
        k.uri,
        '--in',
        data,
        '--sig',
        sig,
        '--json',
      );
      expect(bad.code).toBe(1);
      expect(json<{ valid: boolean }>(bad).valid).toBe(false);
      // An existing signature file is never replaced.
      const again = await cli('azure', 'sign', '--key', k.uri, '--in', data, '--out', sig);
      expect(again.code).toBe(2);
      expect(readFileSync(sig).equals(bytes)).toBe(true);
    },
  );
});

describe('azure attest', { timeout: 180_000 }, () => {
  it('a key vault offers no attestation: the verdict says unknown (exit 1), never pass', async () => {
    const r = await cli('azure', 'attest', '--key', key('signer'), '--json');
    expect(r.code).toBe(1);
    const v = json<{
      overall: string;
      checks: { name: string; status: string; evidence: string }[];
    }>(r);
    expect(v.overall).toBe('unknown');
    expect(v.checks[0]).toMatchObject({ name: 'attestation', status: 'unknown' });
    expect(v.checks[0]!.evidence).toMatch(/offers no key attestation.*only on Managed HSM/);
  });

  it.skipIf(!vector)(
    'a Managed HSM attestation goes through the Marvell verifier: genuine, but not about this key',
    async () => {
      const made = await createKey(key('attested', MHSM), 'ec-p256', '--json');
      expect(made.code, made.stderr).toBe(0);
      const attestation = new Uint8Array(Buffer.from(vector!.attestationBase64, 'base64'));
      rig.fake.vault(MHSM).attestationBlob = { attestation, chainPem: vector!.certChainPem };
      const r = await cli('azure', 'attest', '--key', key('attested', MHSM), '--json');
      expect(r.code).toBe(1);
      const v = json<{
        vendor: string;
        matchesCeremonyKey: boolean;
        notes: string[];
        checks: { name: string; status: string }[];
      }>(r);
      const status = Object.fromEntries(v.checks.map((c) => [c.name, c.status]));
      expect(v.vendor).toBe('marvell-liquidsecurity');
      expect(status['attestation-signature']).toBe('pass');
      expect(status['public-key-match']).toBe('fail');
      expect(v.matchesCeremonyKey).toBe(false);
      expect(v.notes.join(' ')).toMatch(/getKeyAttestation/);
      // One flipped byte and the HSM's signature no longer holds.
      const flipped = new Uint8Array(attestation);
      flipped[flipped.length - 40]! ^= 0x01;
      rig.fake.vault(MHSM).attestationBlob = {
        attestation: flipped,
        chainPem: vector!.certChainPem,
      };
      const bad = await cli('azure', 'attest', '--key', key('attested', MHSM), '--json');
      expect(bad.code).toBe(1);
      const failed = json<{ checks: { name: string; status: string }[] }>(bad).checks.filter(
        (c) => c.status === 'fail',
      );
      expect(failed.some((c) => c.name !== 'public-key-match')).toBe(true);
    },
  );
});

describe('Azure errors: one sentence naming vault and key', { timeout: 180_000 }, () => {
  it('a missing key is 101', async () => {
    const r = await cli('azure', 'keys', 'get', '--key', key('no-such-key'), '--json');
    expect(r.code).toBe(3);
    expect(errorOf(r)).toMatchObject({ code: 101 });
    expect(errorOf(r).message).toMatch(
      /^There is no key "no-such-key" in Azure Key Vault keys\.vault\.olocus\.test/,
    );
  });

  it('403 is 102 and 429 (after the SDK retries) is 100', async () => {
    const vault = rig.fake.vault(VAULT);
    vault.forbidden.add('signer');
    const denied = await cli('azure', 'keys', 'get', '--key', key('signer'), '--json');
    vault.forbidden.delete('signer');
    expect(denied.code).toBe(3);
    expect(errorOf(denied)).toMatchObject({ code: 102 });
    expect(errorOf(denied).message).toMatch(
      /not allowed to act on key "signer" in vault keys\.vault\.olocus\.test \(403/,
    );
    vault.throttled.add('signer');
    const before = rig.fake.requests.length;
    const slow = await cli('azure', 'keys', 'get', '--key', key('signer'), '--json');
    vault.throttled.delete('signer');
    expect(slow.code).toBe(3);
    expect(errorOf(slow)).toMatchObject({ code: 100 });
    expect(errorOf(slow).message).toMatch(
      /keys\.vault\.olocus\.test is throttling requests \(429 while reading key "signer"/,
    );
    expect(rig.fake.requests.slice(before).filter((q) => q.status === 429).length).toBeGreaterThan(
      1,
    );
  });

  it('a token the vault does not accept (401 after the challenge) is 102', async () => {
    rig.fake.vault(VAULT).refuseTokens = true;
    const r = await cli('azure', 'keys', 'get', '--key', key('signer'), '--json');
    rig.fake.vault(VAULT).refuseTokens = false;
    expect(r.code).toBe(3);
    expect(errorOf(r)).toMatchObject({ code: 102 });
    expect(errorOf(r).message).toMatch(
      /keys\.vault\.olocus\.test did not accept the credential while reading key "signer" .*401: AKV10032/,
    );
  });

  it('a client secret Entra ID refuses is 102, naming the vault', async () => {
    const r = await runCli(['azure', 'keys', 'list', '--vault', VAULT], {
      env: { ...rig.env, AZURE_CLIENT_SECRET: 'not-the-secret' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /HSM error 102 .*Microsoft Entra ID refused the Azure credential while listing the keys of vault keys\.vault\.olocus\.test \(.*AADSTS7000215/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('TLS is verified: without the test CA trusted, the fake vault is refused (100)', async () => {
    const env = { ...rig.env, NODE_EXTRA_CA_CERTS: '' };
    const before = rig.fake.requests.length;
    const r = await runCli(['azure', 'keys', 'list', '--vault', VAULT, '--json'], { env });
    expect(r.code).toBe(3);
    expect(errorOf(r)).toMatchObject({ code: 100 });
    expect(errorOf(r).message).toMatch(
      /Cannot reach Azure Key Vault keys\.vault\.olocus\.test .*certificate/i,
    );
    expect(rig.fake.requests.length).toBe(before);
  });

  it('no credential at all: a clear 102 within seconds, and nothing but loopback was tried', async () => {
    const before = rig.fake.requests.length;
    const refusedBefore = rig.fake.refused.length;
    const started = Date.now();
    const r = await runCli(['azure', 'keys', 'list', '--vault', VAULT, '--json'], {
      env: rig.noCredentialEnv,
    });
    const took = Date.now() - started;
    expect(r.code).toBe(3);
    expect(errorOf(r)).toMatchObject({ code: 102 });
    expect(errorOf(r).message).toMatch(
      /^No Azure credential is available for vault keys\.vault\.olocus\.test: sign in with `az login`, or set AZURE_TENANT_ID/,
    );
    expect(took).toBeLessThan(30_000);
    // The vault was asked once (and answered with its bearer challenge); Entra was never asked;
    // the only other address tried was the managed identity endpoint, via the loopback proxy.
    const seen = rig.fake.requests.slice(before);
    expect(seen.every((q) => q.host === VAULT && q.status === 401)).toBe(true);
    expect(seen.some((q) => q.host === ENTRA_HOST)).toBe(false);
    expect(new Set(rig.fake.refused.slice(refusedBefore))).toEqual(new Set(['169.254.169.254']));
  });
});
