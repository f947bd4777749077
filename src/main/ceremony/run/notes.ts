// Notes from outside a run for its ledger: the app's health monitor records an alert that
// starts or stops firing while a ceremony runs, since an auditor will ask what the HSM was
// doing then. The engine attaches a writer once the run has a context and detaches it before
// the run's last records, so a note never lands after `ceremony.finished`.
import type { LedgerEventType } from '../../audit/events';

/** Appends one record to the run's ledger; false while the run has no ledger yet. */
export type NoteWriter = (type: LedgerEventType, data: Record<string, unknown>) => Promise<boolean>;

export interface RunNotes {
  attach(write: NoteWriter): void;
  /** The ledger may exist now: notes waiting for it are written. */
  flush(): Promise<void>;
  /** Writes nothing more; waits for a note being written. */
  detach(): Promise<void>;
}
