// How officers bring their share cards and passphrases to a command (ceremony run, ceremony
// drill, keys schedule-destroy): the flags, said the same in every --help, and the room they make.
import { CliRoom } from '../room';
import type { CommandContext, FlagSpec } from '../spec';
import { listFlag } from '../spec';

export const OFFICER_FLAGS: Record<string, FlagSpec> = {
  share: {
    type: 'string',
    value: 'NAME=FILE',
    help: "an officer's share card text",
    multiple: true,
  },
  passphrase: {
    type: 'string',
    value: 'NAME=SOURCE',
    help: "where an officer's share passphrase comes from (env:VAR or file:PATH)",
    multiple: true,
  },
};

/** The officers (and witness) as the command line brings them: files, sources, or a terminal. */
export function roomFromFlags(ctx: CommandContext, witness?: string): CliRoom {
  return new CliRoom({
    shares: listFlag(ctx, 'share'),
    passphrases: listFlag(ctx, 'passphrase'),
    ...(witness ? { witness } : {}),
    note: (t) => ctx.out.note(t),
    interactive: Boolean(process.stdin.isTTY),
  });
}
