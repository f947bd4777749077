// The end of a run: transcript, manifest (SHA-256 of every output, signed by the audit key),
// the final ledger signature, and a summary with the ledger head as hex and PGP words.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import canonicalize from 'canonicalize';
import { toPgpWords } from '../../audit/pgp-words';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { RunContext } from './context';
import { TOKEN_PINS, sha256 } from './context';
import { exists, replaceAtomically, writeOnce } from '../../audit/durable';
import type { TokenProvider } from '../../hsm/provider';
import { buildTranscript } from './transcript';
import { settleCards } from './settle-cards';

/** Bookkeeping, the demo's own HSM store and its demo-only secrets are not ceremony outputs. */
const NOT_OUTPUTS = [
  /^manifest\.json$/,
  /^state\.json$/,
  /\.tmp-\d+$/,
  /^softhsm\//,
  /^demo-secrets\//,
  // Lock files (audit/write-lock.ts): held while the run works, gone once it ends.
  /(^|\/)[^/]*\.lock(\.(stale|takeover).*)?$/,
];

/**
 * Report-making, handed in by the service: report/ sits above ceremony/ (it reads run state and
 * evidence), so the run cannot import it. `prepare` makes the report-signing key and certificate
 * while the token is open; its `record` goes into the ledger before it closes, and `build` makes
 * the signed PDF afterwards from the closed run directory.
 */
export interface RunReporting {
  prepare(
    hsm: TokenProvider,
    options: { runDir: string; now: () => Date },
  ): Promise<{ record: Record<string, unknown>; build(): Promise<Uint8Array> }>;
}

export interface RunSummary {
  dir: string;
  ceremonyId: string;
  status: 'finished';
  ledger: { path: string; records: number; head: string; headWords: string };
  keys: { label: string; type: string; spkiSha256: string | null }[];
  outputs: string[];
}

async function listFiles(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, root)));
    else out.push(relative(root, p));
  }
  return out.sort();
}

export async function finishRun(ctx: RunContext, reporting: RunReporting): Promise<RunSummary> {
  const { state } = ctx;
  if (!ctx.ledger)
    throw new OlocusError(ErrorCode.OPERATION_FAILED, 'The run finished without an audit ledger.');
  // Before the token is needed: a run that must stop for its cards stops without a quorum.
  await settleCards(ctx);
  // A run resumed only to finish (its steps were done, e.g. it stopped for its cards) asks the
  // officers for the token once more: the last signatures need it open.
  const last = ctx.script.steps.at(-1);
  if (!ctx.isLoggedIn && last && ctx.state.secrets[TOKEN_PINS]) await ctx.ensureQuorum(last);
  if (!ctx.isLoggedIn) {
    throw new OlocusError(
      ErrorCode.AUTHENTICATION_FAILED,
      'The final ledger signature needs the token open; run the ceremony again on this directory with the officers present.',
    );
  }
  await replaceAtomically(
    ctx.path('transcript.json'),
    `${JSON.stringify(buildTranscript(ctx.script, state), null, 2)}\n`,
  );
  // The report-signing key and its certificate (issued by the root the run made, if any) are
  // made while the token is open, and recorded before the ledger closes.
  const report = await reporting.prepare(await ctx.provider(), { runDir: ctx.dir, now: ctx.now });
  await ctx.event(null, 'report.signer', report.record);
  await ctx.event(null, 'ceremony.finished', {
    steps: state.steps.map((s) => ({ id: s.id, witness: s.witness?.name ?? null })),
  });
  await ctx.ledger.signHead({ actor: ctx.actor, step: null });

  // Nothing is appended after this: the report embeds the ledger whose head the manifest signs.
  const pdf = await report.build();
  if (!(await exists(ctx.path('report.pdf')))) await ctx.output('report.pdf', pdf);

  // The manifest covers everything but itself and the run's own bookkeeping.
  const files = (await listFiles(ctx.dir)).filter((f) => !NOT_OUTPUTS.some((re) => re.test(f)));
  const hashes: Record<string, string> = {};
  for (const f of files) hashes[f] = sha256(await readFile(ctx.path(f)));
  const body = {
    format: 'olocus-ceremony-manifest/1',
    ceremony: state.ceremonyId,
    ledger_head: ctx.ledger.head,
    files: hashes,
  };
  const hsm = await ctx.provider();
  const signature = await hsm.sign(
    { label: state.auditKey!.label, class: 'private' },
    Buffer.from(canonicalize(body)!, 'utf8'),
    'ecdsa-sha256',
  );
  await writeOnce(
    ctx.path('manifest.json'),
    `${JSON.stringify({ ...body, signature: { algorithm: 'ecdsa-p256-sha256', audit_key_sha256: state.auditKey!.spkiSha256, value: Buffer.from(signature.signature).toString('base64'), over: 'RFC 8785 canonical JSON of this document without "signature"' } }, null, 2)}\n`,
  );

  state.status = 'finished';
  state.finishedAt = ctx.now().toISOString();
  await ctx.save();
  return {
    dir: ctx.dir,
    ceremonyId: state.ceremonyId,
    status: 'finished',
    ledger: {
      path: ctx.path('audit.jsonl'),
      records: ctx.ledger.length,
      head: ctx.ledger.head,
      headWords: toPgpWords(ctx.ledger.head).join(' '),
    },
    keys: Object.values(state.keys).map((k) => ({
      label: k.label,
      type: k.type,
      spkiSha256: k.spkiSha256,
    })),
    outputs: [...files, 'manifest.json'],
  };
}
