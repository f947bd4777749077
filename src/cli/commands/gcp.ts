// Commands for Google Cloud KMS and Cloud HSM (key rings, keys, versions, signing, import jobs, attestations).
import type { CommandSpec } from '../spec';

export const GCP_COMMANDS: readonly CommandSpec[] = [];
