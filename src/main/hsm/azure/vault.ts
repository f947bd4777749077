// One Azure Key Vault or Managed HSM, through the official SDK (KeyClient for keys,
// CryptographyClient for signatures) and whatever credential the caller's default chain finds.
import { createHash, randomBytes } from 'node:crypto';
import type * as KeyVault from '@azure/keyvault-keys';
import type { CryptographyClient, KeyClient, KeyVaultKey } from '@azure/keyvault-keys';
import type { TokenCredential } from '@azure/identity';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { KeyType } from '../types';
import { azureCall } from './errors';
import { AZURE_CREATE, keyTypeOfJwk, sha256Hex, signAlgorithmFor, spkiFromJwk } from './jwk';
import type { AzureSignAlgorithm } from './jwk';

export interface AzureKeyInfo {
  /** azurekv://HOST/keys/NAME/VERSION */
  uri: string;
  /** Key Vault's identifier, https://HOST/keys/NAME/VERSION. */
  kid: string;
  vault: string;
  name: string;
  version: string | null;
  kty: string;
  type: KeyType | null;
  keyOps: string[];
  enabled: boolean | null;
  created: string | null;
  /** DER SPKI, base64; null for symmetric keys. */
  spki: string | null;
  spkiSha256: string | null;
}

export interface AzureSignature {
  kid: string;
  algorithm: AzureSignAlgorithm;
  signature: Uint8Array;
}

/** Managed HSM host names have `managedhsm` as their second label (NAME.managedhsm.azure.net). */
export function isManagedHsm(host: string): boolean {
  return host.split('.')[1] === 'managedhsm';
}

export function describeAzureKey(host: string, key: KeyVaultKey): AzureKeyInfo {
  const jwk = key.key ?? {};
  const spki = spkiFromJwk(jwk);
  const version = key.properties.version ?? null;
  return {
    uri: `azurekv://${host}/keys/${key.name}${version ? `/${version}` : ''}`,
    kid: key.id ?? `https://${host}/keys/${key.name}${version ? `/${version}` : ''}`,
    vault: host,
    name: key.name,
    version,
    kty: String(jwk.kty ?? key.keyType ?? ''),
    type: keyTypeOfJwk(jwk),
    keyOps: (key.keyOperations ?? jwk.keyOps ?? []).map(String),
    enabled: key.properties.enabled ?? null,
    created: key.properties.createdOn?.toISOString() ?? null,
    spki: spki ? spki.toString('base64') : null,
    spkiSha256: spki ? sha256Hex(spki) : null,
  };
}

type KeyVaultSdk = typeof KeyVault;

export class AzureVault {
  readonly client: KeyClient;
  readonly url: string;

  /** Loads the Key Vault SDK on first use: commands that never reach Azure do not pay for it. */
  static async open(host: string, credential: TokenCredential): Promise<AzureVault> {
    return new AzureVault(host, credential, await import('@azure/keyvault-keys'));
  }

  private constructor(
    readonly host: string,
    private readonly credential: TokenCredential,
    private readonly sdk: KeyVaultSdk,
  ) {
    this.url = `https://${host}`;
    this.client = new sdk.KeyClient(this.url, credential);
  }

  async list(): Promise<AzureKeyInfo[]> {
    return azureCall({ vault: this.host, action: 'listing the keys of' }, async () => {
      const out: AzureKeyInfo[] = [];
      for await (const p of this.client.listPropertiesOfKeys()) {
        // The listing carries no key material; one read per key gives its type and fingerprint.
        const key = await this.client.getKey(p.name);
        out.push(describeAzureKey(this.host, key));
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  async get(name: string, version?: string): Promise<KeyVaultKey> {
    return azureCall({ vault: this.host, key: name, action: 'reading' }, () =>
      this.client.getKey(name, version ? { version } : {}),
    );
  }

  /** Null when the vault says there is no such key; any other failure is thrown. */
  async find(name: string): Promise<KeyVaultKey | null> {
    try {
      return await this.get(name);
    } catch (e) {
      if (e instanceof OlocusError && e.code === ErrorCode.KEY_NOT_FOUND) return null;
      throw e;
    }
  }

  async create(
    name: string,
    type: KeyType,
    options: {
      keyOps?: ('sign' | 'verify' | 'import' | 'encrypt' | 'decrypt' | 'wrapKey' | 'unwrapKey')[];
    } = {},
  ): Promise<KeyVaultKey> {
    const how = AZURE_CREATE[type];
    if (!how)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `Azure Key Vault keys of type ${type} are not made by this tool; use ec-p256, ec-p384, ec-p521, rsa-2048, rsa-3072, rsa-4096, or aes-128/aes-256 on a Managed HSM.`,
      );
    if (how.kty === 'oct-HSM' && !isManagedHsm(this.host))
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `${this.host} is a key vault, not a Managed HSM: AES (oct-HSM) keys exist only on Managed HSM (NAME.managedhsm.azure.net).`,
      );
    const keyOps =
      options.keyOps ?? (how.kty === 'oct-HSM' ? ['wrapKey', 'unwrapKey'] : ['sign', 'verify']);
    return azureCall({ vault: this.host, key: name, action: 'creating' }, () =>
      this.client.createKey(name, how.kty, {
        keyOps,
        ...(how.curve ? { curve: how.curve } : {}),
        ...(how.size ? { keySize: how.size } : {}),
      }),
    );
  }

  /** A new current version of the key (Key Vault's rotateKey); earlier versions stay enabled. */
  async rotate(name: string): Promise<KeyVaultKey> {
    return azureCall({ vault: this.host, key: name, action: 'rotating' }, () =>
      this.client.rotateKey(name),
    );
  }

  /** Turns one version off (enabled=false): the vault then refuses every operation with it. */
  async disable(name: string, version: string): Promise<KeyVaultKey> {
    return azureCall({ vault: this.host, key: name, action: 'disabling a version of' }, () =>
      this.client.updateKeyProperties(name, version, { enabled: false }),
    );
  }

  /**
   * Deletes the key with every version. With soft delete (on by default) the vault keeps it
   * recoverable until `scheduledPurgeDate`, then purges it: Key Vault's scheduled destruction.
   */
  async delete(name: string): Promise<{ deletedOn: Date | null; scheduledPurgeDate: Date | null }> {
    return azureCall({ vault: this.host, key: name, action: 'deleting' }, async () => {
      const poller = await this.client.beginDeleteKey(name, { intervalInMs: 200 });
      const d = await poller.pollUntilDone();
      return {
        deletedOn: d.properties.deletedOn ?? null,
        scheduledPurgeDate: d.properties.scheduledPurgeDate ?? null,
      };
    });
  }

  private crypto(key: KeyVaultKey): CryptographyClient {
    return new this.sdk.CryptographyClient(key.id!, this.credential);
  }

  /** Signs `data`: the digest is computed here, the signature made by the vault's HSM. */
  async sign(key: KeyVaultKey, data: Uint8Array): Promise<AzureSignature> {
    const algorithm = signAlgorithmFor(keyTypeOfJwk(key.key ?? {}), key.name);
    const digest = createHash(algorithm.hash).update(data).digest();
    const r = await azureCall({ vault: this.host, key: key.name, action: 'signing with' }, () =>
      this.crypto(key).sign(algorithm.azure, digest),
    );
    return { kid: r.keyID ?? key.id!, algorithm, signature: r.result };
  }

  async verify(key: KeyVaultKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const algorithm = signAlgorithmFor(keyTypeOfJwk(key.key ?? {}), key.name);
    const digest = createHash(algorithm.hash).update(data).digest();
    const r = await azureCall({ vault: this.host, key: key.name, action: 'verifying with' }, () =>
      this.crypto(key).verify(algorithm.azure, digest, signature),
    );
    return r.result;
  }

  /** A fresh challenge for proofs: never a message anyone asked to have signed. */
  static challenge(purpose: string): Buffer {
    return Buffer.concat([Buffer.from(`olocus-${purpose}/1:`), randomBytes(32)]);
  }
}
