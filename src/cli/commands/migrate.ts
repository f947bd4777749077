// `migrate --from URI --to URI [--wrap rsa-aes-kwp|kwp]`: one key between two PKCS#11 tokens.
import { fields } from '../output';
import type { CommandSpec } from '../spec';
import { listFlag, optionalString, stringFlag } from '../spec';
import { UsageError } from '../errors';

export const migrateCommand: CommandSpec = {
  words: ['migrate'],
  usage:
    'migrate --from URI --to URI [--wrap rsa-aes-kwp|kwp] [--kek-label L] [--destroy-source --approved-by NAME…]',
  summary: 'wrapped export/import of one key between providers, verified after import',
  details: [
    '--from names the key (object=…); --to names the target token (object=… renames the copy).',
    'The copy is proven (same public key and a signature, or the same KCV) before anything else;',
    'the source is destroyed only with --destroy-source and the officers who approved it.',
  ],
  flags: {
    from: {
      type: 'string',
      value: 'URI',
      help: 'the key to move (pkcs11: URI with pin-source)',
      required: true,
    },
    to: {
      type: 'string',
      value: 'URI',
      help: 'the target token (pkcs11: URI with pin-source)',
      required: true,
    },
    wrap: {
      type: 'string',
      value: 'METHOD',
      help: 'rsa-aes-kwp (default) or kwp (KEK on both tokens)',
    },
    'kek-label': {
      type: 'string',
      value: 'L',
      help: 'the KEK present on both tokens, for --wrap kwp',
    },
    'destroy-source': { type: 'boolean', help: 'destroy the source key once the copy is proven' },
    'approved-by': {
      type: 'string',
      value: 'NAME',
      help: 'an officer who approved destroying the source',
      multiple: true,
    },
  },
  async run(ctx) {
    const wrap = optionalString(ctx, 'wrap');
    if (wrap !== undefined && wrap !== 'rsa-aes-kwp' && wrap !== 'kwp')
      throw new UsageError('--wrap is rsa-aes-kwp or kwp.');
    const approvers = listFlag(ctx, 'approved-by');
    if (ctx.values['destroy-source'] === true && approvers.length === 0) {
      throw new UsageError(
        '--destroy-source needs --approved-by for each officer who approved it.',
      );
    }
    const kek = optionalString(ctx, 'kek-label');
    const r = await ctx.service.migrate(stringFlag(ctx, 'from'), stringFlag(ctx, 'to'), {
      ...(wrap ? { wrap } : {}),
      ...(kek ? { kekLabel: kek } : {}),
      ...(ctx.values['destroy-source'] === true ? { destroySource: approvers } : {}),
    });
    ctx.out.result(r, () =>
      fields([
        ['Key', `${r.label} (${r.type}, ${r.class})`],
        [
          'Wrap',
          `${r.wrap}: ${r.mechanisms.join(' + ')}${r.oaepHash ? `, OAEP ${r.oaepHash}` : ''}`,
        ],
        ['Source', `${r.source.uri} ${r.source.spkiSha256 ?? r.source.kcv ?? ''}`],
        ['Target', `${r.target.uri} ${r.target.spkiSha256 ?? r.target.kcv ?? ''}`],
        ['Proof', JSON.stringify(r.proof)],
        [
          'Source destroyed',
          r.sourceDestroyed ? `yes, approved by ${r.sourceDestroyed.approvedBy.join(', ')}` : 'no',
        ],
      ]),
    );
    return 0;
  },
};
