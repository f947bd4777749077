// Fetching a Cloud HSM key version's attestation through the API: the version (its attestation
// in JSON form) and, on demand, the public key Cloud KMS serves for it. attestation/gcp.ts
// judges; the service joins the two.
import type { KeyManagementServiceClient } from '@google-cloud/kms';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { convertVersionForJson } from './version-json';
import { getPublicKey, getVersion } from './keys';
import { addressOf } from './names';

export interface GcpAttestationFetch {
  /** The key version as JSON, with its attestation. */
  version: ReturnType<typeof convertVersionForJson>;
  /** The gcpkms:// address of the version. */
  uri: string;
  /** The public key Cloud KMS serves for the version, fetched when the judge asks for it. */
  publicKey: () => ReturnType<typeof getPublicKey>;
}

/** The version and its attestation; a version without one is refused (Cloud KMS attests HSM keys only). */
export async function fetchVersionAttestation(
  kms: KeyManagementServiceClient,
  name: string,
): Promise<GcpAttestationFetch> {
  const version = await getVersion(kms, name);
  const state = String(version.state ?? '');
  if (!version.attestation?.content || version.attestation.content.length === 0)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${name} has no attestation (protection level ${String(version.protectionLevel ?? 'unknown')}, state ${state}); Cloud KMS attests HSM keys only.`,
    );
  return {
    version: convertVersionForJson(version),
    uri: addressOf(name),
    publicKey: () => getPublicKey(kms, name),
  };
}
