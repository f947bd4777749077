// Attestation verdicts and FIPS posture: what the HSM vendor's attestation said about each key
// (when the ceremony asked), which CMVP validation covers the token, and the algorithm policy
// applied to everything the ledger mentions.
import type { Canvas } from '../layout/canvas';
import { utc } from '../layout/text';
import type { ReportModel } from '../model/report-model';
import { recordsOfType } from '../model/ledger-views';

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v == null ? '-' : JSON.stringify(v);

export function drawAttestation(c: Canvas, m: ReportModel): void {
  c.section('6. Attestation verdicts');
  const verdicts = recordsOfType(m.evidence.records, 'attestation.verdict');
  if (verdicts.length === 0) {
    c.para('None recorded: the ledger holds no attestation.verdict record for this ceremony.');
    c.note(
      'Vendor attestation (for example a Marvell LiquidSecurity or CloudHSM attestation) proves that a key was generated in the HSM; without it, provenance rests on the PKCS#11 attributes in section 5.',
    );
    return;
  }
  // The attest step writes { key, vendor, overall, checks: [{ name, status, evidence }], notes }.
  c.table(
    [
      { header: 'Seq', width: 0.5 },
      { header: 'Time', width: 1.3 },
      { header: 'Key', width: 1.3 },
      { header: 'Verdict', width: 1 },
      { header: 'Checks and notes', width: 4.9 },
    ],
    verdicts.map((r) => [
      String(r.seq),
      utc(r.time),
      str(r.data.key ?? r.data.label),
      `${str(r.data.overall ?? r.data.verdict)}${r.data.vendor ? `\n(${str(r.data.vendor)})` : ''}`,
      checksOf(r.data),
    ]),
  );
}

function checksOf(data: Record<string, unknown>): string {
  const checks = Array.isArray(data.checks)
    ? (data.checks as { name?: unknown; status?: unknown; evidence?: unknown }[]).map(
        (c) => `${str(c.name)}: ${str(c.status)}${c.evidence ? ` (${str(c.evidence)})` : ''}`,
      )
    : [];
  const notes = Array.isArray(data.notes) ? data.notes.map(str) : [];
  const detail = data.detail ?? data.reason;
  return [...checks, ...notes, ...(detail ? [str(detail)] : [])].join('\n') || '-';
}

export function drawFips(c: Canvas, m: ReportModel): void {
  c.section('7. FIPS posture');
  c.heading('Cryptographic module (CMVP)');
  c.kv([
    [
      'Token',
      `${m.hsm.tokenManufacturer ?? '?'} ${m.hsm.tokenModel ?? ''}, firmware ${m.hsm.firmwareVersion ?? '?'}`,
    ],
    ['Verdict', m.module.verdict],
    ['Finding', m.module.summary],
  ]);
  if (m.module.entries.length > 0)
    c.table(
      [
        { header: 'Certificate', width: 0.9 },
        { header: 'Module', width: 2.2 },
        { header: 'Standard / level', width: 1.2 },
        { header: `Status on ${m.generatedAt.toISOString().slice(0, 10)}`, width: 1.7 },
        { header: 'Source', width: 3 },
      ],
      m.module.entries.map((e) => [
        e.certificate ? `#${e.certificate}` : 'unknown',
        `${e.module}${e.firmware.length ? ` (firmware ${e.firmware.join(', ')})` : ''}`,
        `${e.standard}, level ${e.level ?? 'unknown'}`,
        `${e.statusOn}${e.sunset ? `, sunset ${e.sunset}` : ''} (${e.statusReason})`,
        `${e.source_url}\n${e.source_note}`,
      ]),
      { size: 7.5 },
    );
  c.note(
    'Certificate numbers come from resources/cmvp/modules.json, where each has its source; "unknown" means no source was found, not that the module is unvalidated. Confirm against the NIST CMVP list.',
  );
  c.heading('Algorithm policy (SP 800-131A Rev. 2, FIPS 186-5, SP 800-38F)');
  c.table(
    [
      { header: 'Algorithm', width: 1.8 },
      { header: 'Verdict', width: 1.1 },
      { header: 'Reference', width: 1.7 },
      { header: 'Note', width: 3.2 },
      { header: 'Ledger', width: 1.2 },
    ],
    [
      ...m.algorithms.map((a) => [
        `${a.label}\n(${a.spelledAs.join(', ')})`,
        a.verdict,
        a.reference,
        a.note,
        `${a.mentions} mention(s); seq ${a.seqs.join(', ')}`,
      ]),
      [
        "ECDSA P-256 with SHA-256\n(this report's signature)",
        'approved',
        'FIPS 186-5',
        'The PAdES signature on this PDF.',
        '-',
      ],
    ],
  );
  const flagged = m.algorithms.filter((a) => a.verdict !== 'approved');
  c.note(
    flagged.length === 0
      ? 'Every algorithm the ledger mentions is approved.'
      : `Flagged: ${flagged.map((a) => `${a.label} (${a.verdict})`).join('; ')}.`,
  );
}
