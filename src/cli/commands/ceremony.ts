// `ceremony validate SCRIPT`: checks a script and prints the plan it would run.
import { formatRunSummary } from '../run-summary';
import type { CommandSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { OFFICER_FLAGS, roomFromFlags } from './officer-flags';

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

export const ceremonyRunCommand: CommandSpec = {
  words: ['ceremony', 'run'],
  usage:
    'ceremony run SCRIPT --out DIR [--share NAME=FILE]… [--passphrase NAME=env:VAR]… [--witness NAME] [--expect TRANSCRIPT]',
  summary: 'runs a ceremony headless; resumes if DIR holds an unfinished run',
  details: [
    'Shares come from --share files (the text printed on each card) or, at a terminal, are typed in.',
    'A passphrase-protected share asks for its passphrase (--passphrase NAME=env:VAR|file:PATH, or a hidden prompt).',
    '--expect compares every step with a rehearsal transcript and stops at the first divergence.',
    "With --config, what the script's hsm.uri leaves out (module, token label, init args) comes from the config's hsm.pkcs11; the run records its token and resumes only there.",
  ],
  flags: {
    out: {
      type: 'string',
      value: 'DIR',
      help: 'the run directory (new, or an unfinished run of this script)',
      required: true,
    },
    ...OFFICER_FLAGS,
    witness: { type: 'string', value: 'NAME', help: 'the witness who signs off witnessed steps' },
    expect: {
      type: 'string',
      value: 'TRANSCRIPT',
      help: 'a rehearsal transcript.json to compare with',
    },
  },
  positionals: ['SCRIPT'],
  async run(ctx) {
    const witness = optionalString(ctx, 'witness');
    const room = roomFromFlags(ctx, witness);
    const expect = optionalString(ctx, 'expect');
    const r = await ctx.service.runCeremony(
      ctx.positionals[0]!,
      stringFlag(ctx, 'out'),
      room,
      expect ? { expect } : {},
    );
    ctx.out.result(r, () => formatRunSummary(r));
    return 0;
  },
};

export const ceremonyRehearseCommand: CommandSpec = {
  words: ['ceremony', 'rehearse'],
  usage: 'ceremony rehearse SCRIPT --out DIR',
  summary: 'runs the script on a throwaway SoftHSM token; writes the expected transcript',
  details: [
    'Use DIR/transcript.json with `ceremony run --expect` on the day.',
    "With --config, the config's token label is used when the script names none; its module never is.",
  ],
  flags: {
    out: {
      type: 'string',
      value: 'DIR',
      help: 'the rehearsal directory (empty or new)',
      required: true,
    },
  },
  positionals: ['SCRIPT'],
  async run(ctx) {
    const r = await ctx.service.rehearse(ctx.positionals[0]!, stringFlag(ctx, 'out'), (e) =>
      ctx.out.note(e.message),
    );
    ctx.out.result(r, () =>
      formatRunSummary(r, [
        ['Expected transcript', `${r.dir}/transcript.json (pass it to ceremony run --expect)`],
      ]),
    );
    return 0;
  },
};

export const ceremonyDrillCommand: CommandSpec = {
  words: ['ceremony', 'drill'],
  usage: 'ceremony drill DIR [--share NAME=FILE]… [--passphrase NAME=env:VAR]… [--secret ID]',
  summary:
    "proves every officer's share (not just M) still reconstructs the secret, and records a signed result",
  details: [
    'Checks each share against the commitment the run recorded, without an HSM login; exit 1 if any fails.',
    'When the drilled secret opens the ceremony token, the result is signed there by the audit key.',
  ],
  flags: {
    ...OFFICER_FLAGS,
    secret: {
      type: 'string',
      value: 'ID',
      help: 'which split to drill (default token-pins; e.g. backup-kek:LABEL)',
    },
  },
  positionals: ['DIR'],
  async run(ctx) {
    const room = roomFromFlags(ctx);
    const r = await ctx.service.drill(ctx.positionals[0]!, room, optionalString(ctx, 'secret'));
    ctx.out.result(r, () =>
      [
        ...r.report.custodians.map(
          (c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.custodian}${c.reason ? `: ${c.reason}` : ''}`,
        ),
        '',
        r.report.verdict,
        `Result: ${r.dir}/${r.file}${r.signed ? ' (signed by the audit key)' : ' (not signed: the drilled secret does not open the token)'}`,
      ].join('\n'),
    );
    return r.report.ok ? 0 : 1;
  },
};
