// Everything a finished run directory says, read once: the ledger (bytes, records and its own
// verification), state.json, transcript.json and the certificates. The report prints from this
// and nothing else, and none of it holds a secret (the ledger refuses them by construction).
import { X509Certificate, createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyLedgerBytes, type LedgerRecord, type VerifyResult } from '../../audit/index';
import { parseRecordsUntilDamage } from '../../audit/record-reader';
import { loadState, type RunState } from '../../ceremony/run/state';
import { ErrorCode, OlocusError } from '../../../shared/errors';

export interface CertificateFile {
  path: string;
  der: Uint8Array;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  selfSigned: boolean;
  ca: boolean;
}

export interface Ceremony {
  id: string;
  name: string;
  location: string | null;
  mode: string | null;
  scriptSha256: string | null;
  roles: { administrator?: string; officers?: string[]; witnesses?: string[]; auditor?: string };
  quorum: { threshold?: number; total?: number };
}

export interface RunEvidence {
  dir: string;
  ledgerBytes: Uint8Array;
  records: LedgerRecord[];
  verification: VerifyResult;
  state: RunState | null;
  ceremony: Ceremony;
  certificates: CertificateFile[];
  startedAt: string | null;
  finishedAt: string | null;
  finished: boolean;
}

async function optional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The ledger's records up to the first damaged line (audit/record-reader.ts). */
export const parseRecords = parseRecordsUntilDamage;

async function readCertificates(dir: string): Promise<CertificateFile[]> {
  let names: string[];
  try {
    names = (await readdir(join(dir, 'certificates'))).filter((n) => n.endsWith('.pem')).sort();
  } catch {
    return [];
  }
  const out: CertificateFile[] = [];
  for (const name of names) {
    const x = new X509Certificate(await readFile(join(dir, 'certificates', name)));
    out.push({
      path: `certificates/${name}`,
      der: new Uint8Array(x.raw),
      subject: x.subject.replace(/\n/g, ', '),
      issuer: x.issuer.replace(/\n/g, ', '),
      serial: x.serialNumber.toLowerCase(),
      notBefore: new Date(x.validFrom).toISOString(),
      notAfter: new Date(x.validTo).toISOString(),
      sha256: createHash('sha256').update(x.raw).digest('hex'),
      selfSigned: x.subject === x.issuer && x.verify(x.publicKey),
      ca: x.ca,
    });
  }
  return out;
}

function ceremonyOf(
  records: LedgerRecord[],
  state: RunState | null,
  name: string | null,
): Ceremony {
  const started = records.find((r) => r.type === 'ceremony.started')?.data ?? {};
  const opened = records[0]?.data ?? {};
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    id: str(started.id) ?? str(opened.ceremony_id) ?? state?.ceremonyId ?? 'unknown',
    name: str(started.name) ?? name ?? state?.ceremonyId ?? 'Unnamed ceremony',
    location: str(started.location),
    mode: str(started.mode) ?? state?.mode ?? null,
    scriptSha256: str(started.script_sha256) ?? state?.scriptSha256 ?? null,
    roles: (started.roles as Ceremony['roles'] | undefined) ?? {},
    quorum: (started.quorum as Ceremony['quorum'] | undefined) ?? {},
  };
}

export async function readRunEvidence(dir: string): Promise<RunEvidence> {
  const ledgerBytes = await optional(join(dir, 'audit.jsonl'));
  if (!ledgerBytes)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${dir} has no audit.jsonl: a report needs the ceremony's ledger.`,
    );
  const state = await loadState(dir);
  const transcript = await optional(join(dir, 'transcript.json'));
  const tname = transcript
    ? ((JSON.parse(transcript.toString('utf8')) as { ceremony?: { name?: string } }).ceremony
        ?.name ?? null)
    : null;
  const verification = verifyLedgerBytes(ledgerBytes);
  // Record 0 verified (a ceremony id is known) yet names no key: the declaration of a ledger
  // written outside a ceremony, which no report may present as a ceremony's evidence.
  if (verification.ceremonyId !== null && verification.auditKey === null)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${join(dir, 'audit.jsonl')} declares in its record 0 that it has no audit key: it is a ledger of transfers written outside a ceremony, not a ceremony's ledger, so no report is made from it.`,
    );
  const records = parseRecords(ledgerBytes);
  const finished = records.some((r) => r.type === 'ceremony.finished');
  const finishedRecord = [...records].reverse().find((r) => r.type === 'ceremony.finished');
  return {
    dir,
    ledgerBytes: new Uint8Array(ledgerBytes),
    records,
    verification,
    state,
    ceremony: ceremonyOf(records, state, tname),
    certificates: await readCertificates(dir),
    startedAt: state?.startedAt ?? records[0]?.time ?? null,
    finishedAt: state?.finishedAt ?? finishedRecord?.time ?? null,
    finished,
  };
}
