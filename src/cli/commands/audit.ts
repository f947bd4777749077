// `verify-audit LEDGER`: the auditor's check of hash chain and HSM signatures.
import { fields } from '../output';
import type { CommandSpec } from '../spec';
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

export const verifyAuditCommand: CommandSpec = {
  words: ['verify-audit'],
  usage: 'verify-audit LEDGER [--head HEX] [--key-fingerprint HEX]',
  summary: 'checks hash chain and HSM signatures; on failure names the first bad record',
  details: [
    'Exit 1 when the ledger is edited, reordered, missing records, badly signed or torn.',
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
  },
  positionals: ['LEDGER'],
  async run(ctx) {
    const path = ctx.positionals[0]!;
    const head = optionalString(ctx, 'head');
    const fp = optionalString(ctx, 'key-fingerprint');
    const r = await ctx.service.verifyAudit(path, {
      ...(head ? { expectedHead: head } : {}),
      ...(fp ? { expectedKeyFingerprint: fp } : {}),
    });
    ctx.out.result(r, () => {
      const rows: [string, string][] = [
        ['Ledger', path],
        ['Ceremony', r.ceremonyId ?? 'unknown'],
        ['Records verified', String(r.records)],
        ['Signatures checked', String(r.signaturesChecked)],
        ['Last signed record', r.lastSignedSeq === null ? 'none' : String(r.lastSignedSeq)],
        ['Unsigned tail', `${r.unsignedTail} record${r.unsignedTail === 1 ? '' : 's'}`],
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
      const verdict = r.ok
        ? okVerdict(r)
        : `The ledger does NOT verify: ${r.firstBad ? `record ${r.firstBad.seq ?? '?'} (line ${r.firstBad.line}) is ${r.firstBad.reason}: ${r.firstBad.message}` : r.tornTail ? `the last line (${r.tornTail.line}) is torn: a crash interrupted it; records 0..${r.tornTail.keptRecords - 1} are complete and verify.` : 'see above'}`;
      return `${fields(rows)}\n\n${verdict}`;
    });
    return r.ok ? 0 : 1;
  },
};

export const verifyReportCommand: CommandSpec = {
  words: ['verify-report'],
  usage: 'verify-report PDF',
  summary:
    'checks the PDF signature, the embedded ledger and that its head matches the printed one',
  details: ['Exit 1 naming each check that failed.'],
  flags: {},
  positionals: ['PDF'],
  async run(ctx) {
    const r = await ctx.service.verifyReport(ctx.positionals[0]!);
    ctx.out.result(r, () =>
      r.ok
        ? `The report verifies: signature valid over the whole document, embedded ledger verifies, printed head ${r.ledger.head ?? '?'} matches.`
        : `The report does NOT verify:\n${r.failures.map((f) => `  ${f.check}: ${f.message}`).join('\n')}`,
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
