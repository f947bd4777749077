// A PKCS#11 private key into Azure Key Vault in one step (what `migrate --to azurekv://…` needs),
// the Azure twin of gcp-import.ts: the KEK (created RSA-HSM/import if absent, sized by SP 800-57
// for the key), a .byok file in a private temporary directory, the import, and its proof. The
// service resolves addresses and connections and passes the parts in.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzureVault } from '../hsm/azure/vault';
import type { KeySelector } from '../hsm/types';
import type { TokenProvider } from '../hsm/provider';
import type { ByokExportResult } from './byok-export';
import type { ByokImportResult } from './azure-import';
import type { ByokKekResult } from './azure-kek';
import { ensureByokKek } from './azure-kek';
import { checkExtractable, knownType } from './policy';
import { describeSide } from './sides';
import { transportFor } from './strength';

export interface AzureMigration {
  export: ByokExportResult;
  import: ByokImportResult;
  kek: ByokKekResult;
}

/** The two halves the service supplies: each reads its file back as `byok export/import` do. */
export interface AzureMigrationSteps {
  exportTo(kekPem: string, kekKid: string, out: string): Promise<ByokExportResult>;
  importFrom(byokFile: string): Promise<ByokImportResult>;
}

export async function migrateToAzureVault(p: {
  provider: TokenProvider;
  key: KeySelector;
  vault: () => Promise<AzureVault>;
  host: string;
  kekName: string;
  steps: AzureMigrationSteps;
}): Promise<AzureMigration> {
  const { info } = await p.provider.describeWithPublicKey({
    ...p.key,
    class: p.key.class ?? 'private',
  });
  // Refusals that need no KEK come first, so that a refused key leaves the vault as it was.
  const side = await describeSide(p.provider, 'source');
  const type = knownType(info, side);
  checkExtractable(info, side);
  const dir = await mkdtemp(join(tmpdir(), 'olocus-byok-'));
  try {
    const kek = await ensureByokKek(p.vault, p.host, {
      name: p.kekName,
      size: Number(transportFor([type]).slice(4)),
      out: join(dir, 'kek.pem'),
    });
    const out = join(dir, 'key.byok');
    const exported = await p.steps.exportTo(kek.out, kek.kid, out);
    const imported = await p.steps.importFrom(out);
    return { kek, export: exported, import: imported };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
