// Key lifecycle (docs/lifecycle.md): families of versions on PKCS#11 tokens, rotation under a
// policy, retirement under quorum, encryption by the primary, and a signed inventory.
export * from './model';
export * from './policy';
export type { LifecycleContext } from './family';
export { addressOf } from './family';
export { INVENTORY_FORMAT, INVENTORY_KEY, loadInventory } from './inventory';
export type { InventoryDoc } from './inventory';
export { LifecycleLedger } from './ledger';
export type { LifecycleAudit, LifecycleLedgerSummary } from './ledger';
export { rotateFamily } from './rotate';
export type { RotationResult } from './rotate';
export { destroyVersion, disableVersion, precheckDestroy, scheduleDestroy } from './retire';
export type { RetireResult } from './retire';
export {
  CIPHERTEXT_FORMAT,
  decryptEnvelope,
  encryptWithPrimary,
  parseEnvelope,
  versionForUse,
} from './crypto';
export type { CiphertextEnvelope } from './crypto';
export { dueReport, familyVersions } from './versions';
export type { DueReport, FamilyView, VersionView } from './versions';
