// The verdict on an Azure key's attestation, as hsm/azure/attestation.ts fetched it: a Marvell
// LiquidSecurity attestation from Managed HSM, or none (a key vault offers none). Either way the
// answer is one verdict, and "not offered" is said as unknown, never as pass.
import type { AzureAttestationFetch } from '../hsm/azure/attestation';
import type { AzureKeyInfo } from '../hsm/azure/vault';
import { decodeAttestationFile, splitMarvellBundle } from './marvell/inputs';
import { verifyMarvellAttestation } from './marvell/verify';
import { buildVerdict, check } from './verdict';
import type { AttestationVerdict, VerdictCheck } from './verdict';

export const AZURE_VENDOR = 'azure-key-vault';

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

/** Turns what the vault answered (`fetched`, from `host`) into a verdict. */
export async function azureAttestationVerdict(
  host: string,
  fetched: AzureAttestationFetch,
  info: AzureKeyInfo,
  options: { expectedSpkiSha256?: string; acceptImported?: boolean } = {},
): Promise<AttestationVerdict> {
  if (!fetched.offered) return notOffered(info, fetched.why, options.expectedSpkiSha256);
  const chains = splitMarvellBundle(fetched.chainPem);
  const verdict = await verifyMarvellAttestation({
    attestation: decodeAttestationFile(fetched.blob),
    ...chains,
    ...(info.spki ? { expectedSpki: new Uint8Array(Buffer.from(info.spki, 'base64')) } : {}),
    ...(options.acceptImported ? { acceptImported: true } : {}),
    uri: info.uri,
  });
  const notes = [
    ...verdict.notes,
    `Attestation fetched from ${host} with getKeyAttestation (attestation version ${fetched.version ?? 'not stated'}).`,
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
