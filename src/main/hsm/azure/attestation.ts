// Key attestation for an Azure key: Managed HSM hands out a Marvell LiquidSecurity attestation
// (getKeyAttestation, api-version 2025-07-01 in SDK 4.10); a key vault offers none. Either way
// the answer is one verdict, and "not offered" is said as unknown, never as pass.
import type { KeyVaultKey } from '@azure/keyvault-keys';
import {
  decodeAttestationFile,
  splitMarvellBundle,
  verifyMarvellAttestation,
} from '../../attestation/index';
import { buildVerdict, check } from '../../attestation/verdict';
import type { AttestationVerdict, VerdictCheck } from '../../attestation/verdict';
import { azureError } from './errors';
import type { AzureKeyInfo } from './vault';
import type { AzureVault } from './vault';

export const AZURE_VENDOR = 'azure-key-vault';

/** Statuses with which a vault says it has no attestation for this key (the key exists). */
const NOT_OFFERED = new Set([400, 404, 405, 501]);

function vaultSays(info: AzureKeyInfo): VerdictCheck {
  const hsm = info.kty.endsWith('-HSM');
  return check(
    'protection',
    hsm ? 'pass' : 'fail',
    hsm
      ? `Key Vault reports kty ${info.kty}: the key is HSM-protected (the vault's statement, not an attestation)`
      : `Key Vault reports kty ${info.kty}: the key is software-protected`,
  );
}

function notOffered(info: AzureKeyInfo, why: string, expected?: string): AttestationVerdict {
  const fp = info.spkiSha256;
  return buildVerdict({
    vendor: AZURE_VENDOR,
    subject: { label: info.name, uri: info.uri, fingerprint: fp ? `sha256:${fp}` : null },
    checks: [check('attestation', 'unknown', why), vaultSays(info)],
    boundPublicKey: null,
    matchesCeremonyKey: expected && fp ? expected.toLowerCase() === fp : null,
    validatedAt: new Date().toISOString(),
    notes: [
      'Without a hardware attestation, where the key was generated and whether it can leave the HSM cannot be shown.',
    ],
  });
}

/** Asks the vault for the key's attestation and turns the answer into a verdict. */
export async function azureAttestationVerdict(
  vault: AzureVault,
  key: KeyVaultKey,
  info: AzureKeyInfo,
  options: { expectedSpkiSha256?: string; acceptImported?: boolean } = {},
): Promise<AttestationVerdict> {
  let attested: KeyVaultKey;
  try {
    attested = await vault.client.getKeyAttestation(key.name, {
      ...(info.version ? { version: info.version } : {}),
    });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== undefined && NOT_OFFERED.has(status)) {
      const says = ((e as Error).message ?? '').split('\n')[0];
      return notOffered(
        info,
        `${vault.host} offers no key attestation for "${info.name}" (HTTP ${status}: ${says}); key attestation exists only on Managed HSM.`,
        options.expectedSpkiSha256,
      );
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
    return notOffered(
      info,
      `${vault.host} answered the attestation request for "${info.name}" without an attestation blob.`,
      options.expectedSpkiSha256,
    );
  const chainPem = a.certificatePemFile ? Buffer.from(a.certificatePemFile).toString('utf8') : '';
  const chains = splitMarvellBundle(chainPem);
  const verdict = await verifyMarvellAttestation({
    attestation: decodeAttestationFile(new Uint8Array(blob)),
    ...chains,
    ...(info.spki ? { expectedSpki: new Uint8Array(Buffer.from(info.spki, 'base64')) } : {}),
    ...(options.acceptImported ? { acceptImported: true } : {}),
    uri: info.uri,
  });
  const notes = [
    ...verdict.notes,
    `Attestation fetched from ${vault.host} with getKeyAttestation (attestation version ${a.version ?? 'not stated'}).`,
  ];
  if (options.expectedSpkiSha256 && info.spkiSha256)
    return {
      ...verdict,
      notes,
      matchesCeremonyKey:
        verdict.matchesCeremonyKey !== false &&
        options.expectedSpkiSha256.toLowerCase() === info.spkiSha256,
    };
  return { ...verdict, notes };
}
