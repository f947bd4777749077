// verifyManifest: checks a run directory against its manifest.json, the form finish.ts writes:
// the SHA-256 of every listed file, and the audit key's signature, which is ECDSA P-256 (raw
// r||s, base64) over the RFC 8785 canonical JSON of the manifest without its "signature" member.
// The key is the one ledger record 0 names, and the manifest's ledger head must be the ledger's.
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import canonicalize from 'canonicalize';
import { verifyLedger } from '../../audit/index';
import { ErrorCode, OlocusError } from '../../../shared/errors';

export type ManifestCheck = 'format' | 'file-missing' | 'file-hash' | 'signature' | 'ledger';

export interface ManifestVerification {
  ok: boolean;
  failures: { check: ManifestCheck; file?: string; message: string }[];
  files: number;
  ceremonyId: string | null;
  ledgerHead: string | null;
}

interface Manifest {
  format?: string;
  ceremony?: string;
  ledger_head?: string;
  files?: Record<string, string>;
  signature?: { algorithm?: string; audit_key_sha256?: string; value?: string };
}

export async function verifyManifest(runDir: string): Promise<ManifestVerification> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Cannot read ${join(runDir, 'manifest.json')}: ${(cause as Error).message}.`,
      { cause },
    );
  }
  const failures: ManifestVerification['failures'] = [];
  const files = manifest.files ?? {};
  if (manifest.format !== 'olocus-ceremony-manifest/1' || !manifest.files || !manifest.signature)
    failures.push({
      check: 'format',
      message:
        'manifest.json is not an olocus-ceremony-manifest/1 document with files and a signature.',
    });

  for (const [rel, want] of Object.entries(files)) {
    const path = normalize(rel);
    // A manifest names files inside the run; a path that climbs out is refused, not read.
    if (path.startsWith('..') || path.startsWith(sep)) {
      failures.push({
        check: 'format',
        file: rel,
        message: `${rel} points outside the run directory.`,
      });
      continue;
    }
    let data: Buffer;
    try {
      data = await readFile(join(runDir, path));
    } catch {
      failures.push({ check: 'file-missing', file: rel, message: `${rel} is listed but missing.` });
      continue;
    }
    const got = createHash('sha256').update(data).digest('hex');
    if (got !== want)
      failures.push({
        check: 'file-hash',
        file: rel,
        message: `${rel} has SHA-256 ${got}, the manifest says ${want}.`,
      });
  }

  const ledger = await verifyLedger(
    join(runDir, 'audit.jsonl'),
    manifest.ledger_head ? { expectedHead: manifest.ledger_head } : {},
  );
  if (!ledger.ok)
    failures.push({
      check: 'ledger',
      message: `audit.jsonl: ${ledger.firstBad?.message ?? 'does not verify'}`,
    });
  const key = ledger.auditKey;
  const sig = manifest.signature;
  if (!key)
    failures.push({
      check: 'signature',
      message: 'The ledger names no audit key to check the manifest signature with.',
    });
  else if (sig) {
    const { signature: _omit, ...body } = manifest;
    let valid = false;
    try {
      valid =
        sig.algorithm === 'ecdsa-p256-sha256' &&
        key.algorithm === 'ecdsa-p256-sha256' &&
        nodeVerify(
          'sha256',
          Buffer.from(canonicalize(body)!, 'utf8'),
          {
            key: createPublicKey({
              key: Buffer.from(key.spki, 'base64'),
              format: 'der',
              type: 'spki',
            }),
            dsaEncoding: 'ieee-p1363',
          },
          Buffer.from(sig.value ?? '', 'base64'),
        );
    } catch {
      valid = false;
    }
    if (sig.audit_key_sha256 !== key.fingerprint_sha256)
      failures.push({
        check: 'signature',
        message: 'The manifest names another audit key than the ledger.',
      });
    if (!valid)
      failures.push({
        check: 'signature',
        message: 'The manifest signature does not verify under the audit key of ledger record 0.',
      });
  }
  return {
    ok: failures.length === 0,
    failures,
    files: Object.keys(files).length,
    ceremonyId: manifest.ceremony ?? null,
    ledgerHead: manifest.ledger_head ?? null,
  };
}
