// The catalogue of ledger event types: every `type` a writer of ours puts in a record, in one
// place, so writers are checked by the compiler and readers match on names that exist. The
// ledger format itself (FORMAT.md) allows any non-empty string; an auditor's tool may meet types
// written by later versions, so readers must still treat an unknown type as a plain record.
import { EVENT_LOCK_TAKEN_OVER, EVENT_OPENED, EVENT_RECOVERED, EVENT_SIGNED } from './types';

export const LEDGER_EVENT_TYPES = [
  // The ledger's own records (audit/ledger.ts).
  EVENT_OPENED,
  EVENT_SIGNED,
  EVENT_RECOVERED,
  EVENT_LOCK_TAKEN_OVER,
  // A ceremony run (ceremony/run/).
  'ceremony.started',
  'ceremony.resumed',
  'ceremony.finished',
  'step.started',
  'step.completed',
  'step.recovered',
  'quorum.met',
  'share.accepted',
  'share.refused',
  'secret.split',
  'token.initialized',
  'key.generated',
  'key.restored',
  'key.wrapped',
  'certificate.issued',
  'certificate.requested',
  'attestation.verdict',
  'witness.signed',
  'report.signer',
  // Share cards printed, handed over and destroyed, or kept (ceremony/cards/).
  'card.printed',
  'card.destroyed',
  'cards.kept',
  // A key transfer (transfer/), in a ceremony or in a standalone transfer ledger.
  'transfer.started',
  'transfer.finished',
  'transfer.interrupted_copy_found',
  'transfer.destroy_approved',
  'key.migrated',
  'key.migration_refused',
  'key.migration_failed',
  'key.source_destroyed',
  'key.byok_exported',
  'key.byok_imported',
  'key.imported_to_cloud',
  // Signing and key generation outside a ceremony (`sign`/`keys generate` with --ledger).
  'signature.created',
  'signature.failed',
  'key.generation_failed',
  // An HSM group (cluster/): member state changes, and batch signing.
  'group.opened',
  'group.member_failing',
  'group.member_out',
  'group.member_recovering',
  'group.member_readmitted',
  'batch.started',
  'batch.finished',
  'batch.stopped',
  // Key lifecycle (lifecycle/, docs/lifecycle.md), in a ceremony or a standalone ledger.
  'key.rotated',
  'key.rotation_refused',
  'key.version_disabled',
  'key.destroy_scheduled',
  'key.version_destroyed',
  // The app's live HSM health: an alert that started or stopped firing during a ceremony run.
  'monitor.alert',
] as const;

export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(LEDGER_EVENT_TYPES);

/** Whether a type read from a ledger is one of ours (a reader still accepts any other). */
export function isKnownEventType(type: string): type is LedgerEventType {
  return KNOWN.has(type);
}

/**
 * The data fields that name the key a record is about, per type: what `audit query --key NAME`
 * matches. A type not listed here (a later version's, or one that names no key) is matched on
 * the usual fields, so a reader never misses a record for want of an entry.
 */
export const EVENT_KEY_FIELDS: Partial<Record<LedgerEventType, readonly string[]>> = {
  'key.generated': ['label'],
  'key.restored': ['label'],
  'key.wrapped': ['label'],
  'certificate.issued': ['key'],
  'certificate.requested': ['key'],
  'attestation.verdict': ['key'],
  'key.migrated': ['label'],
  'key.migration_refused': ['label'],
  'key.migration_failed': ['label'],
  'key.source_destroyed': ['label'],
  'key.byok_exported': ['label'],
  'key.byok_imported': ['label'],
  'key.imported_to_cloud': ['label'],
  'signature.created': ['label'],
  'signature.failed': ['label'],
  'key.generation_failed': ['label'],
};

/** What names a key in a record of a type without an entry above. */
export const DEFAULT_KEY_FIELDS: readonly string[] = ['label', 'key', 'key_label'];

/** The fields of `type`'s data that name its key. */
export function keyFieldsOf(type: string): readonly string[] {
  return (isKnownEventType(type) ? EVENT_KEY_FIELDS[type] : undefined) ?? DEFAULT_KEY_FIELDS;
}
