// --help texts, built from the command specs so they cannot drift from what is parsed.
import type { CommandSpec } from './spec';

export const GLOBAL_FLAGS = ['--json', '--debug', '--help', '--config'];

const COMMON = [
  'Common flags:',
  '  --json   one JSON document on stdout, nothing else on stdout',
  '  --debug  stack traces on errors',
  '  --config FILE  an hsm-config.yaml: its hsm.pkcs11 token is used when no URI is given (a bare',
  '                 key label then names a key on it); pool and retry settings apply to every',
  '                 token the command opens; "config check FILE" lists what each key does',
  '  --help   this text',
  '',
  'Exit codes: 0 ok, 1 a verification said no, 2 bad usage or bad input file, 3 HSM/provider error.',
  'PINs are never taken on the command line: use pin-source=file:PATH or pin-source=env:NAME in the',
  'URI, or type the PIN at the prompt on a terminal.',
];

export function globalHelp(commands: readonly CommandSpec[]): string {
  return [
    'Usage: olocus-ceremony COMMAND [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    ...COMMON,
    '',
    'Run olocus-ceremony COMMAND --help for a command’s flags.',
  ].join('\n');
}

export function groupHelp(group: string, commands: readonly CommandSpec[]): string {
  return [
    `Usage: olocus-ceremony ${group} SUBCOMMAND [flags]`,
    '',
    ...commands.map((c) => `  ${c.usage}\n      ${c.summary}`),
  ].join('\n');
}

export function commandHelp(c: CommandSpec): string {
  const flags = Object.entries(c.flags).map(([name, f]) => {
    const head = `--${name}${f.value ? ` ${f.value}` : ''}`;
    return [head, `${f.help}${f.required ? ' (required)' : ''}`] as const;
  });
  const width = Math.max(0, ...flags.map(([h]) => h.length));
  return [
    `Usage: olocus-ceremony ${c.usage}`,
    '',
    `${c.summary.charAt(0).toUpperCase()}${c.summary.slice(1)}.`,
    ...(c.details ?? []),
    ...(flags.length ? ['', 'Flags:', ...flags.map(([h, t]) => `  ${h.padEnd(width)}  ${t}`)] : []),
    '',
    ...COMMON,
  ].join('\n');
}
