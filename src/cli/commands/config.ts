// `config check FILE`.
import type { CommandSpec } from '../spec';

export const configCheckCommand: CommandSpec = {
  words: ['config', 'check'],
  usage: 'config check FILE',
  summary: 'validates an hsm-config.yaml and prints the effective config (secrets redacted)',
  details: ['Problems are reported as FILE:LINE:COL: text, all at once; exit 2 when there is any.'],
  flags: {},
  positionals: ['FILE'],
  async run(ctx) {
    const file = ctx.positionals[0]!;
    const r = await ctx.service.checkConfig(file);
    for (const w of r.warnings) ctx.out.warn(w);
    ctx.out.result(
      { file: r.file, valid: true, config: r.config, warnings: r.warnings },
      () => r.yaml,
    );
    ctx.out.note(
      `${file} is valid${r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})` : ''}.`,
    );
    return 0;
  },
};
