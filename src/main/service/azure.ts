// The facade's Azure Key Vault and Managed HSM (keys, signing, BYOK import, key attestation): CeremonyService exposes it as `service.azure`.
// Credentials come from @azure/identity's default chain (environment, workload identity,
// managed identity, Azure CLI, …); nothing is stored by the app.
import { readFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import type { AttestationVerdict } from '../attestation/index';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { keySelectorFromUri } from '../hsm/open';
import { parseKeyAddress } from '../hsm/key-address';
import { KEY_TYPES } from '../hsm/types';
import type { KeyType } from '../hsm/types';
import { fetchAzureKeyAttestation } from '../hsm/azure/attestation';
import { azureAttestationVerdict } from '../attestation/azure';
import { importByok } from '../transfer/azure-import';
import type { ByokImportResult } from '../transfer/azure-import';
import { AzureVault, describeAzureKey, isManagedHsm } from '../hsm/azure/vault';
import type { AzureKeyInfo } from '../hsm/azure/vault';
import { parseByokFile, readKekPublicKey } from '../transfer/byok-file';
import { exportByok } from '../transfer/byok-export';
import type { ByokExportResult } from '../transfer/byok-export';
import { ensureByokKek } from '../transfer/azure-kek';
import type { ByokKekResult } from '../transfer/azure-kek';
import { migrateToAzureVault } from '../transfer/azure-migrate';
import type { AzureMigration } from '../transfer/azure-migrate';
import type { TransferAudit } from '../transfer/types';
import { appVersion } from './app-info';
import { parsePkcs11Address } from './connections';
import { approveWithRunQuorum } from '../ceremony/quorum-approval';
import type { QuorumApproval } from '../ceremony/quorum-approval';
import type { CeremonyRoom } from '../ceremony/run/room';
import type { Connections } from './connections';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

export interface AzureKeyAddress {
  vault: string;
  name: string;
  version?: string;
}

export function parseAzureAddress(text: string): AzureKeyAddress {
  const a = parseKeyAddress(text);
  if (a.scheme !== 'azurekv')
    throw invalid(
      `"${text}" is not an Azure key address (azurekv://VAULT-HOST/keys/NAME[/VERSION]).`,
    );
  return { vault: a.vaultHost, name: a.keyName, ...(a.version ? { version: a.version } : {}) };
}

/** A vault host as --vault gives it, checked with the same rule as an azurekv:// address. */
export function parseVaultHost(host: string): string {
  return parseAzureAddress(`azurekv://${host}/keys/x`).vault;
}

export interface AzureKeyList {
  vault: string;
  managedHsm: boolean;
  keys: AzureKeyInfo[];
}

export interface AzureSignOutput {
  key: string;
  kid: string;
  algorithm: string;
  signature: Uint8Array;
}

export type { AzureMigration, ByokKekResult };

export interface AzureRotation {
  family: string;
  rotated: true;
  previous: AzureKeyInfo;
  primary: AzureKeyInfo;
}

export class AzureOperations {
  private credential: TokenCredential | null = null;
  private readonly vaults = new Map<string, Promise<AzureVault>>();

  constructor(
    private readonly connections: Connections,
    /** Tests and embedders may pass a credential; by default the SDK's default chain is used. */
    credential?: TokenCredential,
  ) {
    if (credential) this.credential = credential;
  }

  /** The PKCS#11 connections the ceremony holds, for keys that cross between HSMs. */
  protected get pkcs11(): Connections {
    return this.connections;
  }

  /** The SDKs load on first use: commands that never reach Azure do not pay for them. */
  private vault(host: string): Promise<AzureVault> {
    let v = this.vaults.get(host);
    if (!v) {
      v = (async () => {
        this.credential ??= new (await import('@azure/identity')).DefaultAzureCredential();
        return AzureVault.open(host, this.credential);
      })();
      v.catch(() => this.vaults.delete(host));
      this.vaults.set(host, v);
    }
    return v;
  }

  async listKeys(vaultHost: string): Promise<AzureKeyList> {
    const host = parseVaultHost(vaultHost);
    return {
      vault: host,
      managedHsm: isManagedHsm(host),
      keys: await (await this.vault(host)).list(),
    };
  }

  async getKey(uri: string): Promise<AzureKeyInfo> {
    const a = parseAzureAddress(uri);
    const v = await this.vault(a.vault);
    return describeAzureKey(a.vault, await v.get(a.name, a.version));
  }

  /** Creates a key in the vault's HSM; a name already in use is refused (a new version would replace it). */
  async createKey(uri: string, type: string): Promise<AzureKeyInfo> {
    const a = parseAzureAddress(uri);
    if (a.version)
      throw invalid('A new key has no version yet; give azurekv://VAULT-HOST/keys/NAME.');
    if (!(KEY_TYPES as readonly string[]).includes(type))
      throw invalid(`Unknown key type "${type}"; use one of ${KEY_TYPES.join(', ')}.`);
    const v = await this.vault(a.vault);
    if (await v.find(a.name))
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `A key named "${a.name}" already exists in ${a.vault}; creating it again would add a new current version (keys are never replaced).`,
      );
    return describeAzureKey(a.vault, await v.create(a.name, type as KeyType));
  }

  /**
   * Rotates a key in its vault (rotateKey: a new current version, same type and operations).
   * Only the current version is rotated: an address naming an older version is refused.
   */
  async rotateKey(uri: string): Promise<AzureRotation> {
    const a = parseAzureAddress(uri);
    const v = await this.vault(a.vault);
    const current = await v.get(a.name);
    const currentVersion = current.properties.version ?? '';
    if (a.version && a.version !== currentVersion)
      throw invalid(
        `Version ${a.version} of "${a.name}" is not the current version (${currentVersion}); only the current version is rotated. Address the key without a version. Nothing was changed.`,
      );
    const made = await v.rotate(a.name);
    return {
      family: a.name,
      rotated: true,
      previous: describeAzureKey(a.vault, current),
      primary: describeAzureKey(a.vault, made),
    };
  }

  /**
   * Disables one version (enabled=false), as `keys disable` does for a PKCS#11 family. The
   * current version is refused: rotate first, so that something stays usable.
   */
  async disableVersion(uri: string): Promise<{ family: string; version: AzureKeyInfo }> {
    const a = parseAzureAddress(uri);
    if (!a.version)
      throw invalid(
        `Name the version to disable: azurekv://${a.vault}/keys/${a.name}/VERSION. Nothing was changed.`,
      );
    const v = await this.vault(a.vault);
    const current = await v.get(a.name);
    if (current.properties.version === a.version)
      throw invalid(
        `Version ${a.version} of "${a.name}" is its current version; rotate first (keys rotate), then disable the older one. Nothing was changed.`,
      );
    await v.get(a.name, a.version); // a version the vault does not hold is KEY_NOT_FOUND, not a no-op
    return {
      family: a.name,
      version: describeAzureKey(a.vault, await v.disable(a.name, a.version)),
    };
  }

  /**
   * Key Vault's scheduled destruction: the key is deleted with every version once the officers
   * of the ceremony run `runDir` have proven a quorum of their shares; soft delete keeps it
   * recoverable until the purge date the vault answers. A version address is refused, since a
   * vault cannot delete one version alone.
   */
  async scheduleDestroy(
    uri: string,
    runDir: string,
    room: CeremonyRoom,
  ): Promise<{
    family: string;
    vault: string;
    deletedOn: string | null;
    scheduledPurgeDate: string | null;
    approval: QuorumApproval;
  }> {
    const a = parseAzureAddress(uri);
    if (a.version)
      throw invalid(
        `Key Vault deletes a key with all its versions: address azurekv://${a.vault}/keys/${a.name} without a version (keys disable turns off a single version). Nothing was changed.`,
      );
    const v = await this.vault(a.vault);
    await v.get(a.name); // before anyone presents a share
    const approval = await approveWithRunQuorum(runDir, room, {
      purpose: `deleting "${a.name}" from ${a.vault}`,
    });
    const d = await v.delete(a.name);
    return {
      family: a.name,
      vault: a.vault,
      deletedOn: d.deletedOn?.toISOString() ?? null,
      scheduledPurgeDate: d.scheduledPurgeDate?.toISOString() ?? null,
      approval,
    };
  }

  async sign(uri: string, data: Uint8Array): Promise<AzureSignOutput> {
    const a = parseAzureAddress(uri);
    const v = await this.vault(a.vault);
    const key = await v.get(a.name, a.version);
    const sig = await v.sign(key, data);
    return {
      key: describeAzureKey(a.vault, key).uri,
      kid: sig.kid,
      algorithm: sig.algorithm.azure,
      signature: sig.signature,
    };
  }

  async verify(
    uri: string,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<{ key: string; valid: boolean }> {
    const a = parseAzureAddress(uri);
    const v = await this.vault(a.vault);
    const key = await v.get(a.name, a.version);
    return { key: describeAzureKey(a.vault, key).uri, valid: await v.verify(key, data, signature) };
  }

  /** The key's attestation verdict: Marvell-verified on Managed HSM, "unknown" where none is offered. */
  async attestKey(
    uri: string,
    options: { expectedSpkiSha256?: string; acceptImported?: boolean } = {},
  ): Promise<AttestationVerdict> {
    const a = parseAzureAddress(uri);
    const v = await this.vault(a.vault);
    const key = await v.get(a.name, a.version);
    const info = describeAzureKey(a.vault, key);
    const fetched = await fetchAzureKeyAttestation(v, key, info);
    return azureAttestationVerdict(v.host, fetched, info, options);
  }

  /**
   * Creates (or reuses) the BYOK key-exchange key: RSA-HSM with key_ops `import` only. An existing
   * key without `import` is refused. Writes its public key as PEM to `out` (never replacing a file).
   */
  async byokKek(input: {
    vault: string;
    name: string;
    size?: number;
    out: string;
  }): Promise<ByokKekResult> {
    const host = parseVaultHost(input.vault);
    return ensureByokKek(() => this.vault(host), host, input);
  }

  /** `byok export`: wraps a PKCS#11 private key for the KEK inside its HSM and writes the .byok file. */
  async byokExport(
    keyUri: string,
    kekPemPath: string,
    kekKid: string,
    out: string,
    audit?: TransferAudit,
  ): Promise<ByokExportResult> {
    const uri = parsePkcs11Address(keyUri);
    const sel = keySelectorFromUri(uri);
    if (sel.label === undefined && sel.id === undefined)
      throw invalid('The --key URI must name the key (object=LABEL or id=…).');
    const pem = await readFile(kekPemPath).catch(() => {
      throw invalid(`Cannot read the KEK public key ${kekPemPath}.`);
    });
    const kek = readKekPublicKey(new Uint8Array(pem), kekPemPath);
    const { provider } = await this.connections.get(uri, 'always');
    return exportByok(
      provider,
      sel,
      { kid: kekKid, ...kek },
      out,
      `olocus-ceremony ${appVersion()}`,
      audit,
    );
  }

  /**
   * `byok import`: imports the file into `toUri` and proves it against the source's public key,
   * read from the PKCS#11 key `source` or from the PEM file `publicKey`.
   */
  async byokImport(
    filePath: string,
    toUri: string,
    from: { source?: string; publicKey?: string },
    audit?: TransferAudit,
  ): Promise<ByokImportResult> {
    const a = parseAzureAddress(toUri);
    if (a.version) throw invalid('Import into azurekv://VAULT-HOST/keys/NAME, without a version.');
    const bytes = await readFile(filePath).catch(() => {
      throw invalid(`Cannot read ${filePath}.`);
    });
    const file = parseByokFile(bytes.toString('utf8'), filePath);
    const spki = await this.sourcePublicKey(from);
    return importByok(await this.vault(a.vault), a.name, file, new Uint8Array(bytes), spki, audit);
  }

  private async sourcePublicKey(from: {
    source?: string;
    publicKey?: string;
  }): Promise<Uint8Array> {
    if (from.publicKey) {
      const data = await readFile(from.publicKey).catch(() => {
        throw invalid(`Cannot read the source public key ${from.publicKey}.`);
      });
      try {
        const text = data.toString('utf8');
        const key = text.includes('-----BEGIN')
          ? createPublicKey(text)
          : createPublicKey({ key: data, format: 'der', type: 'spki' });
        return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
      } catch {
        throw invalid(`${from.publicKey} holds no public key (PEM or DER SubjectPublicKeyInfo).`);
      }
    }
    if (from.source) {
      const uri = parsePkcs11Address(from.source);
      const sel = keySelectorFromUri(uri);
      const { provider } = await this.connections.get(uri, 'auto');
      const { spki } = await provider.describeWithPublicKey({
        ...sel,
        class: sel.class ?? 'private',
      });
      if (!spki) throw invalid('The --source key has no public key to prove the import against.');
      return spki;
    }
    throw invalid(
      'byok import needs the source public key to prove the copy: --source URI or --public-key FILE.',
    );
  }

  /**
   * A PKCS#11 private key into Azure Key Vault in one step (`migrate --to azurekv://…`): the
   * flow is transfer/azure-migrate.ts; this resolves the addresses and the connection.
   */
  async migrateToAzure(
    fromUri: string,
    toUri: string,
    options: { kekName?: string; audit?: TransferAudit } = {},
  ): Promise<AzureMigration> {
    const a = parseAzureAddress(toUri);
    if (a.version) throw invalid('Migrate into azurekv://VAULT-HOST/keys/NAME, without a version.');
    const uri = parsePkcs11Address(fromUri);
    const { provider } = await this.connections.get(uri, 'always');
    return migrateToAzureVault({
      provider,
      key: keySelectorFromUri(uri),
      vault: () => this.vault(a.vault),
      host: a.vault,
      kekName: options.kekName ?? 'olocus-byok-kek',
      steps: {
        exportTo: (kekPem, kekKid, out) =>
          this.byokExport(fromUri, kekPem, kekKid, out, options.audit),
        importFrom: (file) => this.byokImport(file, toUri, { source: fromUri }, options.audit),
      },
    });
  }
}
