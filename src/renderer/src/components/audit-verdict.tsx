// What a ledger verification proves, as the officer reads it: the verdict, whether the ledger is
// complete or where it ends early, and what pins its audit key. An unpinned key is said in bold:
// a printed fingerprint alone does not tell anyone that nothing was compared with it.
import type { ResponseOf } from '../../../shared/olocus-api';

type AuditResult = ResponseOf<'verifyAudit'>;

/** `label` heads the verdict as the other checks on its screen do ("Audit ledger (…): verifies"). */
export function AuditVerdict({ v, label }: { v: AuditResult; label?: string }) {
  return (
    <div className={`note ${v.ok ? 'note-ok' : 'note-error'}`} role="status">
      {label ? (
        <strong>
          {label}: {v.ok ? 'verifies' : 'does NOT verify'}
        </strong>
      ) : (
        <>
          <strong>{v.ok ? 'The ledger verifies' : 'The ledger does NOT verify'}</strong>:{' '}
          {v.records} records, {v.signaturesChecked} head signatures checked
          {v.unsignedTail ? `, ${v.unsignedTail} records after the last signature` : ''}.
        </>
      )}
      {v.firstBad && v.firstBad.reason !== 'incomplete' ? <p>{v.firstBad.message}</p> : null}
      <p>
        {v.completeness.complete ? (
          v.completeness.message
        ) : (
          <>
            <strong>{v.requireComplete ? 'Incomplete' : 'Not complete'}:</strong>{' '}
            {v.completeness.message}
          </>
        )}
      </p>
      <p data-testid="audit-anchor">
        {v.anchor.pinned ? (
          v.anchor.message
        ) : (
          <>
            <strong>The audit key is NOT pinned.</strong>{' '}
            {v.anchor.message.replace(/^NOT PINNED: /, '')}
          </>
        )}
      </p>
    </div>
  );
}
