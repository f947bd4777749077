// `demo --out DIR`: the bundled 3-of-5 root CA ceremony on an embedded SoftHSM token.
import { formatRunSummary } from '../run-summary';
import type { CommandSpec } from '../spec';
import { stringFlag } from '../spec';

export const demoCommand: CommandSpec = {
  words: ['demo'],
  usage: 'demo --out DIR',
  summary:
    'sets up a SoftHSM token under DIR and runs the bundled 3-of-5 root-key ceremony end to end',
  details: [
    'On a DIR holding an unfinished demo it resumes; on a finished one it refuses.',
    'The generated SO and user PINs are written only to DIR/demo-secrets/ (demo only).',
  ],
  flags: {
    out: { type: 'string', value: 'DIR', help: 'the run directory (empty or new)', required: true },
  },
  async run(ctx) {
    const r = await ctx.service.demo(stringFlag(ctx, 'out'), (e) =>
      ctx.out.note(
        `${e.kind === 'refused' ? 'refused: ' : e.kind === 'warning' ? 'warning: ' : ''}${e.message}`,
      ),
    );
    ctx.out.result(r, () =>
      formatRunSummary(r, [
        ['SoftHSM', `SOFTHSM2_CONF=${r.softhsmConf}`],
        ['Demo PINs', `${r.demoSecrets}/so-pin, ${r.demoSecrets}/user-pin (demo only)`],
      ]),
    );
    return 0;
  },
};
