// `sign-batch`: every file of a list or directory signed through an HSM group (or one key), a
// signature file each and a signed batch manifest; a rerun resumes and never overwrites.
import { parseDuration } from '../../main/config/index';
import type { BatchLimits, BatchProgress } from '../../main/cluster/index';
import { EXIT, UsageError } from '../errors';
import { fields, table } from '../output';
import { optionalString, stringFlag } from '../spec';
import type { CommandContext, CommandSpec } from '../spec';
import { ALG_FLAG, algorithm } from './signing';

function positiveInt(ctx: CommandContext, name: string): number | undefined {
  const v = optionalString(ctx, name);
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(v)) {
    throw new UsageError(`--${name} must be a whole number of at least 1 (got "${v}").`);
  }
  return Number(v);
}

function limits(ctx: CommandContext): Partial<BatchLimits> {
  const out: Partial<BatchLimits> = {};
  const size = positiveInt(ctx, 'max-batch-size');
  const conc = positiveInt(ctx, 'max-concurrent-batches');
  const wait = optionalString(ctx, 'max-wait-time');
  if (size !== undefined) out.maxBatchSize = size;
  if (conc !== undefined) out.maxConcurrentBatches = conc;
  if (wait !== undefined) {
    try {
      out.maxWaitTimeMs = parseDuration(wait);
    } catch (e) {
      throw new UsageError(`--max-wait-time: ${(e as Error).message}`);
    }
  }
  return out;
}

/** A bar on a terminal; JSON lines under --json (stderr: stdout holds only the result). */
function progressWriter(ctx: CommandContext): ((p: BatchProgress) => void) | undefined {
  if (ctx.out.json) {
    return (p) => process.stderr.write(`${JSON.stringify({ progress: p })}\n`);
  }
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.done !== p.total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((p.done / p.total) * width);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} (${p.signed} signed, ${p.kept} kept)${p.done === p.total ? '\n' : ''}`,
    );
  };
}

export const signBatchCommand: CommandSpec = {
  words: ['sign-batch'],
  usage:
    'sign-batch --key K (--manifest FILES.txt | --in-dir D) --out-dir O [--max-batch-size N] [--max-wait-time DUR] [--max-concurrent-batches N] [--alg ALG] [--ledger FILE [--actor NAME]]',
  summary:
    'signs many files through an HSM group (or one key): a .sig per file and a signed batch manifest; a rerun resumes',
  details: [
    'K is group:NAME/LABEL (the cluster: section of --config), a PKCS#11 key URI, or a label with --config.',
    'FILES.txt lists one path a line (relative to it); "SHA256  path" lines (sha256sum form) pin the digest.',
    'O gets FILE.sig for each input, batch-manifest.json (input SHA-256, signature, member) and its .sig.',
    'Nothing in O is overwritten: after a crash or kill -9 run the same command again; it signs only what is missing.',
  ],
  flags: {
    key: {
      type: 'string',
      value: 'K',
      help: 'group:NAME/LABEL, a PKCS#11 key URI, or a label with --config',
      required: true,
    },
    manifest: { type: 'string', value: 'FILES.txt', help: 'the list of files to sign' },
    'in-dir': { type: 'string', value: 'D', help: 'sign every regular file of D' },
    'out-dir': {
      type: 'string',
      value: 'O',
      help: 'where signatures and the manifest go',
      required: true,
    },
    'max-batch-size': { type: 'string', value: 'N', help: 'requests per batch (default 50)' },
    'max-wait-time': {
      type: 'string',
      value: 'DUR',
      help: 'how long a partial batch waits (default 100ms)',
    },
    'max-concurrent-batches': { type: 'string', value: 'N', help: 'batches in flight (default 5)' },
    alg: ALG_FLAG,
    ledger: {
      type: 'string',
      value: 'FILE',
      help: 'append group and batch events to this hash-chained ledger (created if absent)',
    },
    actor: { type: 'string', value: 'NAME', help: 'who the ledger records name (with --ledger)' },
  },
  async run(ctx) {
    const list = optionalString(ctx, 'manifest');
    const dir = optionalString(ctx, 'in-dir');
    if ((list === undefined) === (dir === undefined)) {
      throw new UsageError('Give either --manifest FILES.txt or --in-dir D.');
    }
    const alg = algorithm(ctx);
    const onProgress = progressWriter(ctx);
    const ledgerPath = optionalString(ctx, 'ledger');
    const actor = optionalString(ctx, 'actor');
    const r = await ctx.service.signBatch({
      key: stringFlag(ctx, 'key'),
      ...(list !== undefined ? { list } : { dir: dir! }),
      outDir: stringFlag(ctx, 'out-dir'),
      limits: limits(ctx),
      ...(alg ? { algorithm: alg } : {}),
      ...(onProgress ? { onProgress } : {}),
      ...(ledgerPath !== undefined ? { ledgerPath } : {}),
      ...(actor !== undefined ? { actor } : {}),
    });
    ctx.out.result(r, () =>
      [
        r.alreadyComplete
          ? `The batch in ${r.outDir} was already complete; nothing was written.`
          : `Signed ${r.signed} of ${r.total} files (${r.kept} were already there); manifest ${r.manifest}.`,
        fields([
          ['Manifest SHA-256', r.manifestSha256],
          ['Files', String(r.total)],
        ]),
        table(
          ['member', 'role', 'state', 'signed', 'share'],
          r.members.map((m) => [
            m.name,
            m.role,
            m.state,
            String(m.signed),
            `${Math.round(m.share * 100)}%`,
          ]),
        ),
      ].join('\n'),
    );
    return EXIT.OK;
  },
};
