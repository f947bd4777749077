// `ceremony validate SCRIPT`: checks a script and prints the plan it would run.
import type { CommandSpec } from '../spec';

export const ceremonyValidateCommand: CommandSpec = {
  words: ['ceremony', 'validate'],
  usage: 'ceremony validate SCRIPT',
  summary: 'validates a ceremony script (errors with line and column) and prints its dry-run plan',
  details: [
    'Every problem is reported as SCRIPT:LINE:COL: text, all at once; exit 2 when there is any.',
  ],
  flags: {},
  positionals: ['SCRIPT'],
  async run(ctx) {
    const file = ctx.positionals[0]!;
    const r = await ctx.service.validateScript(file);
    ctx.out.result(
      { file: r.file, valid: true, sha256: r.sha256, plan: r.plan },
      () => `${r.planText}\n\nScript SHA-256: ${r.sha256}`,
    );
    ctx.out.note(`${file} is valid: ${r.plan.steps.length} steps.`);
    return 0;
  },
};
