// keys rotate on an Azure Key Vault key: the real SDK's rotateKey against the loopback fake makes
// a new current version of the same type; rotating by an older version is refused and the vault
// keeps exactly the versions it had.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureRig } from '../fakes/azure/index';
import type { AzureTestRig } from '../fakes/azure/index';
import { runCli } from '../helpers/cli';

const VAULT = 'rotate.vault.olocus.test';
const key = (name: string) => `azurekv://${VAULT}/keys/${name}`;
let rig: AzureTestRig;
const cli = (...args: string[]) => runCli(args, { env: rig.env });

beforeAll(async () => {
  rig = await startAzureRig({ vaults: [{ host: VAULT }] });
});
afterAll(async () => {
  await rig?.fake.close();
});

describe('keys rotate on Azure', { timeout: 180_000 }, () => {
  it('makes a new current version of the same type; an older version is refused, nothing changes', async () => {
    const made = await cli('azure', 'keys', 'create', '--key', key('signer'), '--type', 'ec-p384');
    expect(made.code, made.stderr).toBe(0);
    const first = rig.fake.vault(VAULT).latest('signer')!;
    const r = await cli('keys', 'rotate', '--key', key('signer'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      previous: { version: string; type: string };
      primary: { version: string; type: string; spkiSha256: string };
    };
    expect(doc.previous.version).toBe(first.version);
    expect(doc.primary.type).toBe('ec-p384');
    expect(doc.primary.version).not.toBe(first.version);
    const now = rig.fake.vault(VAULT).latest('signer')!;
    expect(now.version).toBe(doc.primary.version);
    expect(now.privateKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');

    const old = await cli('keys', 'rotate', '--key', `${key('signer')}/${first.version}`);
    expect(old.code).toBe(2);
    expect(old.stderr).toBe(
      `error: Version ${first.version} of "signer" is not the current version (${now.version}); only the current version is rotated. Address the key without a version. Nothing was changed.\n`,
    );
    expect(rig.fake.vault(VAULT).latest('signer')!.version).toBe(now.version);
    const bad = await cli('keys', 'rotate', '--key', key('signer'), '--if-due');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: --if-due is for PKCS#11 key families; Azure keeps its own versions.\n',
    );
  });
});
