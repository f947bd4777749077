// The loopback Azure for tests: start it, hand the CLI subprocess its environment (proxy, the
// throwaway CA, a client-secret credential), stop it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAzure } from './server';
import type { FakeAzure, FakeAzureOptions } from './server';

export { ENTRA_HOST, resourceOf } from './server';
export type { FakeAzure } from './server';
export type { StoredKey } from './vault';

export interface AzureTestRig {
  fake: FakeAzure;
  /** Environment for a CLI run with a working credential. */
  env: Record<string, string>;
  /** Environment for a CLI run with no credential anywhere (and no `az`), still loopback only. */
  noCredentialEnv: Record<string, string>;
  dir: string;
}

export async function startAzureRig(options: FakeAzureOptions): Promise<AzureTestRig> {
  const fake = await startFakeAzure(options);
  const dir = mkdtempSync(join(tmpdir(), 'olocus-azure-'));
  const caFile = join(dir, 'fake-ca.pem');
  writeFileSync(caFile, fake.caPem);
  const env = fake.env(caFile);
  const emptyBin = join(dir, 'empty-bin');
  return {
    fake,
    env,
    noCredentialEnv: {
      ...env,
      AZURE_TENANT_ID: '',
      AZURE_CLIENT_ID: '',
      AZURE_CLIENT_SECRET: '',
      AZURE_CLIENT_CERTIFICATE_PATH: '',
      AZURE_USERNAME: '',
      AZURE_FEDERATED_TOKEN_FILE: '',
      // No `az`, `azd` or `pwsh` to find: the developer credentials have nothing to run.
      PATH: emptyBin,
    },
    dir,
  };
}
