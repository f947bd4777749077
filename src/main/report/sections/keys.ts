// Key inventory: every key the ledger says was generated, with its fingerprint in hex and in
// words (as it was read aloud), its provenance attributes, the algorithm policy's verdict, and
// the certificates and wrapped backups made from it.
import { toPgpWords } from '../../audit/index';
import { assessAlgorithm } from '../../compliance/index';
import { KEY_SPECS } from '../../hsm/pkcs11/keytypes';
import type { KeyType } from '../../hsm/types';
import type { Canvas, KvRow } from '../layout/canvas';
import { hexGroups, utc } from '../layout/text';
import type { ReportModel } from '../model/report-model';
import { keyRows, recordsOfType } from '../model/ledger-views';

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '-' : String(v));

function sizeOf(type: string): string {
  const spec = KEY_SPECS[type as KeyType];
  if (!spec) return 'unknown';
  return spec.curve ? `curve ${spec.curve}` : `${spec.bits} bits`;
}

function provenance(p: Record<string, unknown>): string {
  const yes = (k: string) => (p[k] === true ? 'yes' : p[k] === false ? 'no' : '?');
  return `local ${yes('local')}, sensitive ${yes('sensitive')}, always sensitive ${yes('alwaysSensitive')}, extractable ${yes('extractable')}, never extractable ${yes('neverExtractable')}`;
}

export function drawKeys(c: Canvas, m: ReportModel): void {
  const records = m.evidence.records;
  c.section('5. Key inventory');
  const keys = keyRows(records);
  if (keys.length === 0) c.para('The ledger records no key generation.');
  for (const k of keys) {
    const verdict = assessAlgorithm(k.type);
    c.heading(`Key "${k.label}"`, keys.length <= 12);
    c.kv([
      [
        'Algorithm',
        `${k.type} (${sizeOf(k.type)}), ${k.klass} key${k.purpose ? `, ${k.purpose}` : ''}`,
      ],
      ['Generated', `step ${k.step ?? '-'}, ledger seq ${k.seq}; CKA_ID ${k.id || '-'}`],
      ...(k.spkiSha256
        ? ([
            ['SPKI SHA-256', hexGroups(k.spkiSha256), { mono: true }],
            ['In words', toPgpWords(k.spkiSha256).join(' ')],
          ] as KvRow[])
        : ([['Key check value', k.kcv ?? '-', { mono: true }]] as KvRow[])),
      ['Provenance', provenance(k.provenance)],
      ['Policy', `${verdict.verdict}: ${verdict.note} (${verdict.reference})`],
    ]);
  }
  const issued = recordsOfType(records, 'certificate.issued');
  c.heading('Certificates issued');
  if (issued.length === 0) c.para('No certificate was issued in this ceremony.');
  else
    c.table(
      [
        { header: 'Key', width: 1.3 },
        { header: 'Subject', width: 2.4 },
        { header: 'Serial / validity', width: 2.2 },
        { header: 'Certificate SHA-256', width: 2.6, mono: true },
      ],
      issued.map((r) => [
        `${str(r.data.key)}${r.data.ca ? ' (CA)' : ''}`,
        str(r.data.subject),
        `${str(r.data.serial)}\n${utc(str(r.data.not_before))} to ${utc(str(r.data.not_after))}`,
        str(r.data.sha256),
      ]),
    );
  const files = m.evidence.certificates;
  for (const f of files) {
    const listed = issued.some((r) => r.data.sha256 === f.sha256);
    c.note(
      `${f.path}: SHA-256 ${f.sha256.slice(0, 16)}... ${listed ? 'matches the ledger record' : 'IS NOT RECORDED IN THE LEDGER'}; issuer ${f.issuer}${f.selfSigned ? ' (self-signed)' : ''}.`,
    );
  }
  const wrapped = recordsOfType(records, 'key.wrapped');
  if (wrapped.length > 0) {
    c.heading('Wrapped backups');
    c.table(
      [
        { header: 'Key', width: 1.4 },
        { header: 'Wrapping', width: 2.4 },
        { header: 'Under KEK', width: 1.4 },
        { header: 'Blob SHA-256', width: 3, mono: true },
      ],
      wrapped.map((r) => [
        str(r.data.label),
        str(r.data.mechanism),
        str(r.data.kek),
        str(r.data.blob_sha256),
      ]),
    );
  }
  c.heading('Report-signing key');
  c.kv([
    ['Label', m.signer.keyLabel],
    ['Where', m.signer.keyLocation],
    ['SPKI SHA-256', hexGroups(m.signer.spkiSha256), { mono: true }],
    ['In words', toPgpWords(m.signer.spkiSha256).join(' ')],
    [
      'Certificate',
      m.signer.issuedBy === 'ceremony-root'
        ? `issued by the ceremony root key "${m.signer.rootKeyLabel}" (see section 9)`
        : 'self-signed (the run made no self-signed root certificate)',
    ],
  ]);
}
