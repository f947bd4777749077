// Fetching an Azure key's attestation: Managed HSM hands out a Marvell LiquidSecurity attestation
// (getKeyAttestation, api-version 2025-07-01 in SDK 4.10); a key vault offers none. This only
// fetches and says which; attestation/azure.ts judges it, the service joins the two.
import type { KeyVaultKey } from '@azure/keyvault-keys';
import { azureError } from './errors';
import type { AzureKeyInfo } from './vault';
import type { AzureVault } from './vault';

/** Statuses with which a vault says it has no attestation for this key (the key exists). */
const NOT_OFFERED = new Set([400, 404, 405, 501]);

export type AzureAttestationFetch =
  | { offered: false; why: string }
  | { offered: true; blob: Uint8Array; chainPem: string; version: string | undefined };

export async function fetchAzureKeyAttestation(
  vault: AzureVault,
  key: KeyVaultKey,
  info: AzureKeyInfo,
): Promise<AzureAttestationFetch> {
  let attested: KeyVaultKey;
  try {
    attested = await vault.client.getKeyAttestation(key.name, {
      ...(info.version ? { version: info.version } : {}),
    });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== undefined && NOT_OFFERED.has(status)) {
      const says = ((e as Error).message ?? '').split('\n')[0];
      return {
        offered: false,
        why: `${vault.host} offers no key attestation for "${info.name}" (HTTP ${status}: ${says}); key attestation exists only on Managed HSM.`,
      };
    }
    throw azureError(e, {
      vault: vault.host,
      key: key.name,
      action: 'fetching the attestation of',
    });
  }
  const a = attested.properties.attestation;
  const blob = a?.privateKeyAttestation ?? a?.publicKeyAttestation;
  if (!a || !blob || blob.length === 0)
    return {
      offered: false,
      why: `${vault.host} answered the attestation request for "${info.name}" without an attestation blob.`,
    };
  const chainPem = a.certificatePemFile ? Buffer.from(a.certificatePemFile).toString('utf8') : '';
  return { offered: true, blob: new Uint8Array(blob), chainPem, version: a.version };
}
