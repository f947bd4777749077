// Commands for Azure Key Vault and Managed HSM (keys, signing, BYOK import, key attestation).
import type { CommandSpec } from '../spec';

export const AZURE_COMMANDS: readonly CommandSpec[] = [];
