// Key transfer between HSMs: wrapped export/import with proof, for the CLI's `migrate` and the
// ceremony engine's `transfer` step.
export { migrateKey, migrateKeys, MigrationError } from './migrate';
export { importSharedKek, dropSharedKek } from './kek';
export { STRENGTH_BITS, checkWrapStrength, transportFor } from './strength';
export type { TransportType, StrengthVerdict } from './strength';
export { verifyWithSpki } from '../hsm/software-verify';
export type {
  KeyProof,
  KeyRequest,
  MigrateOptions,
  MigrationResult,
  OaepHash,
  TargetTemplate,
  TransferAudit,
  WrapScheme,
} from './types';
