// Who was in the room and on what: roles from the reviewed script (as the ledger recorded it at
// the start), the ceremony token, and the audit key whose fingerprint was read aloud.
import type { Canvas } from '../layout/canvas';
import { hexGroups, utc } from '../layout/text';
import type { ReportModel } from '../model/report-model';
import { witnessSignoffs } from '../model/ledger-views';

export function drawParticipants(c: Canvas, m: ReportModel): void {
  const e = m.evidence;
  const roles = e.ceremony.roles;
  c.section('1. Participants and roles');
  c.kv([
    ['Ceremony administrator', roles.administrator ?? 'not recorded'],
    ['Crypto officers (custodians)', (roles.officers ?? []).join(', ') || 'not recorded'],
    ['Witnesses', (roles.witnesses ?? []).join(', ') || 'not recorded'],
    ['Auditor', roles.auditor ?? 'not recorded'],
    [
      'Quorum',
      e.ceremony.quorum.threshold
        ? `${e.ceremony.quorum.threshold} of ${e.ceremony.quorum.total ?? '?'} custodians`
        : 'not recorded',
    ],
    ['Script SHA-256', e.ceremony.scriptSha256 ?? 'not recorded', { mono: true }],
  ]);
  c.heading('Ceremony token');
  c.kv([
    ['Token label', m.hsm.tokenLabel ?? 'not recorded'],
    ['Manufacturer / model', `${m.hsm.tokenManufacturer ?? '?'} / ${m.hsm.tokenModel ?? '?'}`],
    ['Serial number', m.hsm.serial ?? 'not recorded'],
    ['Firmware', m.hsm.firmwareVersion ?? 'not recorded'],
    ['PKCS#11 library', `${m.hsm.libraryManufacturer ?? '?'} (${m.hsm.libraryDescription ?? '?'})`],
  ]);
  const key = e.verification.auditKey;
  c.heading('Audit key (signs the ledger)');
  c.kv([
    ['Algorithm', key?.algorithm ?? 'unknown'],
    ['SPKI SHA-256', key ? hexGroups(key.fingerprint_sha256) : 'unknown', { mono: true }],
    ['In words', key?.fingerprint_words ?? '-'],
  ]);

  c.section('2. Witness sign-offs');
  const signoffs = witnessSignoffs(e.records);
  const steps = e.state?.steps ?? [];
  if (signoffs.length === 0) c.para('No witness sign-off is recorded in the ledger.');
  else
    c.table(
      [
        { header: 'Seq', width: 0.6 },
        { header: 'Time (UTC)', width: 1.6 },
        { header: 'Step', width: 1.5 },
        { header: 'Witness', width: 1.5 },
        { header: 'Statement signed', width: 4.5 },
      ],
      signoffs.map((s) => [String(s.seq), utc(s.time), s.step ?? '-', s.witness, s.statement]),
    );
  const unsigned = steps.filter((s) => s.status === 'done' && !s.witness);
  if (unsigned.length > 0)
    c.note(
      `Steps completed without a witness sign-off (the script did not require one): ${unsigned.map((s) => s.id).join(', ')}.`,
    );
}
