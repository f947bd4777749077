// The catalogue of ledger event types: every `type` a writer of ours puts in a record, in one
// place, so writers are checked by the compiler and readers match on names that exist. The
// ledger format itself (FORMAT.md) allows any non-empty string; an auditor's tool may meet types
// written by later versions, so readers must still treat an unknown type as a plain record.
import { EVENT_OPENED, EVENT_RECOVERED, EVENT_SIGNED } from './types';

export const LEDGER_EVENT_TYPES = [
  // The ledger's own records (audit/ledger.ts).
  EVENT_OPENED,
  EVENT_SIGNED,
  EVENT_RECOVERED,
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
  // Key lifecycle (lifecycle/, docs/lifecycle.md), in a ceremony or a standalone ledger.
  'key.rotated',
  'key.rotation_refused',
  'key.version_disabled',
  'key.destroy_scheduled',
  'key.version_destroyed',
] as const;

export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(LEDGER_EVENT_TYPES);

/** Whether a type read from a ledger is one of ours (a reader still accepts any other). */
export function isKnownEventType(type: string): type is LedgerEventType {
  return KNOWN.has(type);
}
