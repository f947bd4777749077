// The verdict on a Cloud HSM key version's attestation, as hsm/gcp/attest.ts fetched it, judged
// by the Marvell verifier: both chains to the pinned roots at the version's generateTime, the
// HSM's signature, the attested attributes, and the attested public key against the key Cloud KMS
// serves for the version (an attestation about some other key must not pass for this one).
import type { GcpAttestationFetch } from '../hsm/gcp/attest';
import { fromKmsKeyVersion } from './marvell/inputs';
import { verifyMarvellAttestation } from './marvell/verify';
import type { AttestationVerdict } from './verdict';

export interface GcpAttestOptions {
  acceptImported?: boolean;
  now?: Date;
}

export async function gcpVersionVerdict(
  name: string,
  fetched: GcpAttestationFetch,
  options: GcpAttestOptions = {},
): Promise<AttestationVerdict> {
  const input = fromKmsKeyVersion(fetched.version);
  const publicKey = await fetched.publicKey();
  const verdict = await verifyMarvellAttestation({
    ...input,
    expectedSpki: publicKey.spki,
    uri: fetched.uri,
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
