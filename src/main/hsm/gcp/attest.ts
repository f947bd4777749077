// A Cloud HSM key version's attestation, fetched through the API and judged by the Marvell
// verifier: both chains to the pinned roots at the version's generateTime, the HSM's signature,
// the attested attributes, and the attested public key against the key Cloud KMS serves for the
// version (an attestation about some other key must not pass for this one).
import type { KeyManagementServiceClient } from '@google-cloud/kms';
import { fromKmsKeyVersion, verifyMarvellAttestation } from '../../attestation/index';
import type { AttestationVerdict } from '../../attestation/index';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { convertVersionForJson } from './version-json';
import { getPublicKey, getVersion } from './keys';
import { addressOf } from './names';

export interface GcpAttestOptions {
  acceptImported?: boolean;
  now?: Date;
}

export async function attestVersion(
  kms: KeyManagementServiceClient,
  name: string,
  options: GcpAttestOptions = {},
): Promise<AttestationVerdict> {
  const version = await getVersion(kms, name);
  const state = String(version.state ?? '');
  if (!version.attestation?.content || version.attestation.content.length === 0)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${name} has no attestation (protection level ${String(version.protectionLevel ?? 'unknown')}, state ${state}); Cloud KMS attests HSM keys only.`,
    );
  const input = fromKmsKeyVersion(convertVersionForJson(version));
  const publicKey = await getPublicKey(kms, name);
  const verdict = await verifyMarvellAttestation({
    ...input,
    expectedSpki: publicKey.spki,
    uri: addressOf(name),
    ...(input.generateTime
      ? { attestedAt: { at: input.generateTime, source: "the key version's generateTime" } }
      : {}),
    ...(options.acceptImported ? { acceptImported: true } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  verdict.notes.push(
    `The ceremony key compared with the attestation is the public key Cloud KMS serves for ${name} (sha256:${publicKey.spkiSha256}, ${publicKey.algorithm}).`,
  );
  return verdict;
}
