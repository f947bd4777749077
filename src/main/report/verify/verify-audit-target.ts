// verify-audit on a ledger file, a run directory or a report PDF, saying what the verdict proves:
// whether the ledger is complete (ends with ceremony.finished and a head signature over it) and
// what pins the audit key it names. A ledger names its own key, so on its own it proves only that
// whoever holds that key wrote it; the run's own signed evidence (the report, whose signer chains
// to the ceremony's root, or the manifest) or a fingerprint given by the auditor pins the key.
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  verifyLedger,
  verifyLedgerBytes,
  type VerifyOptions,
  type VerifyResult,
} from '../../audit/index';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { verifyManifest } from './verify-manifest';
import { embeddedLedger, verifyReport, type ReportVerification } from './verify-report';

const short = (hex: string): string => `${hex.slice(0, 16)}…`;

export type AnchorKind = 'key-fingerprint' | 'report' | 'manifest' | 'none';

export interface AuditAnchor {
  kind: AnchorKind;
  /** True when something outside the ledger's own record 0 says which key must have signed. */
  pinned: boolean;
  /** True when the run's evidence meant to pin it does not itself verify (exit 1). */
  failed: boolean;
  /** The key fingerprint the anchor gave (SPKI SHA-256), if any. */
  keyFingerprint: string | null;
  message: string;
}

export interface AuditTargetOptions {
  expectedHead?: string;
  expectedKeyFingerprint?: string;
  /** Default: true for a run directory or a report, false for a bare ledger file. */
  requireComplete?: boolean;
  /** A root certificate (PEM or DER bytes) the report must chain to. */
  root?: Uint8Array;
}

export interface AuditVerification extends Omit<VerifyResult, 'lastRecord'> {
  source: { kind: 'ledger' | 'run-directory' | 'report'; path: string; ledger: string };
  requireComplete: boolean;
  anchor: AuditAnchor;
}

const UNPINNED =
  'NOT PINNED: nothing outside this ledger says which audit key should have signed it, and anyone can write a valid ledger under a key of their own. Give --key-fingerprint (the fingerprint read aloud at the ceremony), or verify the run directory or its report.';

function given(fp: string): AuditAnchor {
  return {
    kind: 'key-fingerprint',
    pinned: true,
    failed: false,
    keyFingerprint: fp.toLowerCase(),
    message: `Pinned by the fingerprint given: the ledger must be signed by the audit key ${short(fp.toLowerCase())}.`,
  };
}

function fromReport(r: ReportVerification, what: string): AuditAnchor {
  if (!r.ok)
    return {
      kind: 'report',
      pinned: false,
      failed: true,
      keyFingerprint: null,
      message: `${what} does not verify (${r.failures.map((f) => f.message).join(' ')}), so it pins nothing.`,
    };
  return {
    kind: 'report',
    pinned: true,
    failed: false,
    keyFingerprint: r.ledger.auditKeySha256,
    message: `Pinned by ${what}: its signature chains to ${r.chainsTo}, and it names the audit key ${short(r.ledger.auditKeySha256 ?? '')} and the head ${short(r.ledger.head ?? '')}. ${r.givenRoot ? 'The root is the one given.' : "Compare that root's fingerprint with the one read aloud at the ceremony (or give it with --root)."}`,
  };
}

/** The first five bytes: a ledger can be large, and only a PDF's header is needed here. */
async function magic(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(5);
    const { bytesRead } = await fh.read(head, 0, 5, 0);
    return head.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** What pins a run directory's ledger: its report, else its manifest, else nothing yet. */
async function runAnchor(
  dir: string,
  root: Uint8Array | undefined,
): Promise<{ anchor: AuditAnchor; head?: string }> {
  const report = join(dir, 'report.pdf');
  if (await isFile(report)) {
    const r = await verifyReport(report, root ? { root } : {});
    const anchor = fromReport(r, 'the run\u2019s signed report.pdf');
    return anchor.pinned && r.ledger.head ? { anchor, head: r.ledger.head } : { anchor };
  }
  if (await isFile(join(dir, 'manifest.json'))) {
    const m = await verifyManifest(dir);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      ledger_head?: string;
      signature?: { audit_key_sha256?: string };
    };
    if (!m.ok)
      return {
        anchor: {
          kind: 'manifest',
          pinned: false,
          failed: true,
          keyFingerprint: null,
          message: `manifest.json does not verify (${m.failures.map((f) => f.message).join(' ')}), so it pins nothing.`,
        },
      };
    const fp = manifest.signature?.audit_key_sha256 ?? null;
    return {
      anchor: {
        kind: 'manifest',
        pinned: true,
        failed: false,
        keyFingerprint: fp,
        message: `Pinned only by manifest.json (no report.pdf), which the audit key ${short(fp ?? '')} signs itself: it catches a ledger cut or replaced without its manifest, not a run directory rewritten whole. Give --key-fingerprint to pin the key read aloud.`,
      },
      ...(manifest.ledger_head ? { head: manifest.ledger_head } : {}),
    };
  }
  return {
    anchor: {
      kind: 'none',
      pinned: false,
      failed: false,
      keyFingerprint: null,
      message: `NOT PINNED: the run directory holds no report.pdf or manifest.json yet (the run has not finished), so nothing in it pins the audit key. ${UNPINNED.slice('NOT PINNED: '.length)}`,
    },
  };
}

export async function verifyAuditTarget(
  path: string,
  options: AuditTargetOptions = {},
): Promise<AuditVerification> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Cannot read the audit ledger ${path}: ${(cause as Error).message}.`,
      { cause },
    );
  });
  const fp = options.expectedKeyFingerprint;
  let kind: AuditVerification['source']['kind'] = 'ledger';
  let ledgerPath = path;
  let anchor: AuditAnchor;
  let head = options.expectedHead;
  let bytes: Uint8Array | undefined;
  if (info.isDirectory()) {
    kind = 'run-directory';
    ledgerPath = join(path, 'audit.jsonl');
    const found = await runAnchor(path, options.root);
    anchor = fp ? given(fp) : found.anchor;
    head ??= found.head;
  } else if ((await magic(path)) === '%PDF-') {
    kind = 'report';
    ledgerPath = `${path} (embedded audit.jsonl)`;
    const pdf = new Uint8Array(await readFile(path));
    bytes = embeddedLedger(pdf);
    if (!bytes)
      throw new OlocusError(ErrorCode.INVALID_INPUT, `${path} is a PDF with no embedded ledger.`);
    const r = await verifyReport(pdf, options.root ? { root: options.root } : {});
    anchor = fp ? given(fp) : fromReport(r, 'this report\u2019s signature');
    if (r.ok && r.ledger.head) head ??= r.ledger.head;
  } else {
    anchor = fp
      ? given(fp)
      : { kind: 'none', pinned: false, failed: false, keyFingerprint: null, message: UNPINNED };
  }
  const requireComplete = options.requireComplete ?? kind !== 'ledger';
  const opts: VerifyOptions = {
    ...(head ? { expectedHead: head } : {}),
    ...(anchor.keyFingerprint ? { expectedKeyFingerprint: anchor.keyFingerprint } : {}),
    ...(requireComplete ? { requireComplete } : {}),
    ...(kind !== 'ledger' ? { requireAuditKey: true } : {}),
  };
  const v = bytes ? verifyLedgerBytes(bytes, opts) : await verifyLedger(ledgerPath, opts);
  const { lastRecord: _last, ...result } = v;
  return {
    ...result,
    ok: result.ok && !anchor.failed,
    source: { kind, path, ledger: ledgerPath },
    requireComplete,
    anchor,
  };
}
