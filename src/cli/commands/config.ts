// `config check FILE`.
import type { CommandSpec } from '../spec';

export const configCheckCommand: CommandSpec = {
  words: ['config', 'check'],
  usage: 'config check FILE',
  summary: 'validates an hsm-config.yaml and prints the effective config (secrets redacted)',
  details: [
    'Problems are reported as FILE:LINE:COL: text, all at once; exit 2 when there is any.',
    'Prints only the keys this tool acts on, with what each does; every other key the file sets',
    'is listed as "accepted, not used by this tool".',
  ],
  flags: {},
  positionals: ['FILE'],
  async run(ctx) {
    const file = ctx.positionals[0]!;
    const r = await ctx.service.checkConfig(file);
    for (const w of r.warnings) ctx.out.warn(w);
    ctx.out.result(
      {
        file: r.file,
        valid: true,
        config: r.config,
        effects: r.effects,
        unused: r.unused,
        warnings: r.warnings,
      },
      () => r.yaml,
    );
    ctx.out.note(
      `${file} is valid${r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})` : ''}.`,
    );
    return 0;
  },
};
