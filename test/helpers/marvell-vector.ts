// The real Google Cloud HSM (Marvell) attestation from ../shared/test-vectors. CI lays shared/
// beside the repo; where it is missing, the tests that need it skip and say why.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface MarvellVector {
  attestationBase64: string;
  certChainPem: string;
  extraParserVectors: { rsaAttestationBase64url: string };
  roots: { OWNER_ROOT_CERT_PEM: string; MANUFACTURER_ROOT_CERT_PEM: string };
}

export const VECTOR_PATH = fileURLToPath(
  new URL('../../../shared/test-vectors/gcp-cloudhsm-attestation.json', import.meta.url),
);

export function loadMarvellVector(): MarvellVector | null {
  if (!existsSync(VECTOR_PATH)) {
    console.warn(
      `SKIPPED: the real Marvell test vector is not at ${VECTOR_PATH} (shared/ must sit beside the repo).`,
    );
    return null;
  }
  return JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as MarvellVector;
}
