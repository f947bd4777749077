// `verify-audit LEDGER|RUN-DIR|REPORT`: the auditor's check of hash chain and HSM signatures, and
// of what the verdict proves (complete or cut, what pins the audit key); `verify-report PDF`.
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors';
import { fields } from '../output';
import type { CommandContext, CommandSpec } from '../spec';
import { optionalString } from '../spec';

/** What an intact ledger's signatures cover: all of it, a prefix, or nothing (hash chain only). */
function okVerdict(r: {
  records: number;
  unsignedTail: number;
  lastSignedSeq: number | null;
  auditKey: unknown;
}): string {
  if (r.auditKey === null)
    return `The ledger's hash chain verifies (${r.records} records). It declares that it has no audit key, so no signature vouches for it: compare its head with one recorded elsewhere (--head) to detect records cut from the end or a rewritten ledger.`;
  if (r.unsignedTail === 0)
    return 'The ledger verifies: every record is chained and the head is signed by the audit key.';
  if (r.lastSignedSeq === null)
    return `The ledger's hash chain verifies, but no head is signed (${r.records} unsigned records): compare its head with one recorded elsewhere (--head) to detect records cut from the end.`;
  return `The ledger verifies: records 0..${r.lastSignedSeq} are signed by the audit key; the last ${r.unsignedTail} are covered by the hash chain only.`;
}

/** --root PEM: the root certificate a report must chain to. */
async function rootFlag(ctx: CommandContext): Promise<Uint8Array | undefined> {
  const path = optionalString(ctx, 'root');
  if (path === undefined) return undefined;
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new UsageError(`Cannot read the root certificate ${path}: ${(e as Error).message}.`);
  }
}

const ROOT_FLAG = {
  type: 'string',
  value: 'PEM',
  help: "the root certificate the report's signer must chain to (default: the ceremony's own root, from its ledger)",
} as const;

export const verifyAuditCommand: CommandSpec = {
  words: ['verify-audit'],
  usage:
    'verify-audit LEDGER|RUN-DIR|REPORT.pdf [--head HEX] [--key-fingerprint HEX] [--root PEM] [--require-complete | --allow-incomplete]',
  summary:
    'checks hash chain and HSM signatures, says whether the ledger is complete and what pins its audit key; on failure names the first bad record',
  details: [
    'Exit 1 when the ledger is edited, reordered, missing records, badly signed or torn, or (with',
    '--require-complete) ends before ceremony.finished and a head signature over it.',
    'A run directory or a report is verified complete by default, and its audit key is pinned by the',
    "run's own evidence (the signed report, whose signer chains to the ceremony's root, else the",
    'manifest); a bare ledger file pins nothing unless --key-fingerprint is given, and the verdict says so.',
    '--head pins the head printed in the report, which also catches records cut from the end.',
  ],
  flags: {
    head: {
      type: 'string',
      value: 'HEX',
      help: 'the ledger head published elsewhere (report, read aloud)',
    },
    'key-fingerprint': {
      type: 'string',
      value: 'HEX',
      help: 'the audit key SPKI SHA-256 the ledger must use',
    },
    root: ROOT_FLAG,
    'require-complete': {
      type: 'boolean',
      help: 'exit 1 unless the ledger ends with ceremony.finished and a head signature over it (default for a run directory or report)',
    },
    'allow-incomplete': {
      type: 'boolean',
      help: 'report an unfinished run directory or ledger without failing on it',
    },
  },
  positionals: ['LEDGER'],
  async run(ctx) {
    const path = ctx.positionals[0]!;
    const head = optionalString(ctx, 'head');
    const fp = optionalString(ctx, 'key-fingerprint');
    const require = ctx.values['require-complete'] === true;
    const allow = ctx.values['allow-incomplete'] === true;
    if (require && allow)
      throw new UsageError('--require-complete and --allow-incomplete contradict each other.');
    const root = await rootFlag(ctx);
    const r = await ctx.service.verifyAudit(path, {
      ...(head ? { expectedHead: head } : {}),
      ...(fp ? { expectedKeyFingerprint: fp } : {}),
      ...(require || allow ? { requireComplete: require } : {}),
      ...(root ? { root } : {}),
    });
    ctx.out.result(r, () => {
      const rows: [string, string][] = [
        [
          r.source.kind === 'ledger'
            ? 'Ledger'
            : r.source.kind === 'report'
              ? 'Report'
              : 'Run directory',
          path,
        ],
        ['Ceremony', r.ceremonyId ?? 'unknown'],
        ['Records verified', String(r.records)],
        ['Signatures checked', String(r.signaturesChecked)],
        ['Last signed record', r.lastSignedSeq === null ? 'none' : String(r.lastSignedSeq)],
        ['Unsigned tail', `${r.unsignedTail} record${r.unsignedTail === 1 ? '' : 's'}`],
        [
          'Complete',
          r.completeness.complete ? 'yes' : `no${r.requireComplete ? ' (required)' : ''}`,
        ],
        ['Head', r.head],
        ['In words', r.headWords],
      ];
      if (r.auditKey)
        rows.push([
          'Audit key',
          `${r.auditKey.algorithm}, SPKI SHA-256 ${r.auditKey.fingerprint_sha256}`,
        ]);
      // A ceremony id is known only once record 0 verified: then a null key is its declaration.
      else if (r.ceremonyId !== null)
        rows.push(['Audit key', 'none (record 0 declares this ledger is never signed)']);
      rows.push([
        'Key anchor',
        r.anchor.pinned ? r.anchor.kind : r.anchor.failed ? 'failed' : 'NONE',
      ]);
      const bad = r.firstBad;
      const verdict = !r.ok
        ? bad
          ? `The ledger does NOT verify: record ${bad.seq ?? '?'} (line ${bad.line}) is ${bad.reason}: ${bad.message}`
          : r.tornTail
            ? `The ledger does NOT verify: the last line (${r.tornTail.line}) is torn: a crash interrupted it; records 0..${r.tornTail.keptRecords - 1} are complete and verify.`
            : 'The ledger does NOT verify: the evidence that pins its audit key does not verify.'
        : okVerdict(r);
      const completeness = bad?.reason === 'incomplete' ? [] : [r.completeness.message];
      return `${fields(rows)}\n\n${[verdict, ...completeness, r.anchor.message].join('\n')}`;
    });
    return r.ok ? 0 : 1;
  },
};

export const verifyReportCommand: CommandSpec = {
  words: ['verify-report'],
  usage: 'verify-report PDF [--root PEM]',
  summary:
    'checks the PDF signature, what its signer chains to, the embedded ledger (complete) and that its head matches the printed one',
  details: [
    "Exit 1 naming each check that failed. The signing certificate must chain to the ceremony's",
    'own root (recorded as issued in the embedded ledger) or to --root; a self-signed signer must be',
    'the one the ledger names as its report signer.',
  ],
  flags: { root: ROOT_FLAG },
  positionals: ['PDF'],
  async run(ctx) {
    const root = await rootFlag(ctx);
    const r = await ctx.service.verifyReport(ctx.positionals[0]!, root ? { root } : {});
    ctx.out.result(r, () =>
      r.ok
        ? `The report verifies: signature valid over the whole document, the signer chains to ${r.chainsTo}; embedded ledger verifies and is complete, printed head ${r.ledger.head ?? '?'} matches.`
        : `The report does NOT verify:\n${r.failures.map((f) => `  ${f.check}: ${f.message}`).join('\n')}\nThe signer chains to ${r.chainsTo}.`,
    );
    return r.ok ? 0 : 1;
  },
};

export const verifyManifestCommand: CommandSpec = {
  words: ['verify-manifest'],
  usage: 'verify-manifest DIR',
  summary:
    "checks a run directory's evidence bundle: every file's SHA-256 and the audit key's signature",
  details: ['Exit 1 naming each file or check that failed.'],
  flags: {},
  positionals: ['DIR'],
  async run(ctx) {
    const r = await ctx.service.verifyManifest(ctx.positionals[0]!);
    ctx.out.result(r, () =>
      r.ok
        ? `The evidence bundle verifies: ${r.files} files match the manifest signed by the audit key.`
        : `The evidence bundle does NOT verify:\n${r.failures.map((f) => `  ${f.check}${f.file ? ` ${f.file}` : ''}: ${f.message}`).join('\n')}`,
    );
    return r.ok ? 0 : 1;
  },
};
