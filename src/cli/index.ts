// The olocus-ceremony command: parses argv, calls the CeremonyService, prints, returns the exit
// code. bin/olocus-ceremony.js runs the build of this file; src/cli/run.ts runs it from sources.
// What a command needs is loaded when it runs (commands/index.ts, and the service below), so a
// command that only reads a file starts without the service's domains and their libraries.
import { parseArgs } from 'node:util';
import type { CommandContext } from './spec';
import type { ParseArgsConfig } from 'node:util';
import type { CeremonyService } from '../main/service/index';
import { COMMANDS, loadCommands } from './commands/index';
import { UsageError, debugTrace, errorDocument, errorSentence, exitCodeFor } from './errors';
import { commandHelp, globalHelp, groupHelp } from './help';
import { Output, processIO } from './output';
import { endEarlyWorker, startEarlyWorker } from '../main/audit/verify-start';
import type { CliIO } from './output';
import type { CommandSpec } from './spec';

async function loadService() {
  const [service, executor, cluster, lifecycle] = await Promise.all([
    import('../main/service/index'),
    import('../main/hsm/pkcs11/executor'),
    import('../main/cluster/index'),
    import('./commands/lifecycle'),
  ]);
  // Built, the worker and the member host are files beside this one; from sources the executor
  // and the cluster find worker.ts and member-host.ts themselves.
  if (import.meta.url.endsWith('.js')) {
    executor.setPkcs11WorkerEntry(new URL('./pkcs11-worker.js', import.meta.url));
    cluster.setMemberHostEntry(new URL('./member-host.js', import.meta.url));
  }
  return { ...service, lifecycleClock: lifecycle.lifecycleClock };
}

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  /** An hsm-config.yaml: its token (hsm.pkcs11), pool and retry settings (see config check). */
  config: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const PIN_FLAG = /^--?(?:so-|user-)?pin(?:=|$)/i;

type Invocation =
  | { kind: 'help'; text: string }
  | {
      kind: 'run';
      command: CommandSpec;
      values: Record<string, string | boolean | string[] | undefined>;
      positionals: string[];
    };

function isGlobalFlag(arg: string): boolean {
  return arg === '--json' || arg === '--debug' || arg === '--help' || arg === '-h';
}

/** Finds the command words (leading non-flag arguments) and returns them with the rest. */
function splitCommand(argv: string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isGlobalFlag(arg)) continue;
    if (arg.startsWith('-')) break;
    words.push(arg);
    if (words.length === 2) break;
  }
  // The longest command that the words spell: `attest marvell` before `attest`.
  const matched = [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((c) => c.words.every((w, j) => words[j] === w));
  const used = matched ? matched.words.length : 0;
  // Remove the matched words from argv, leaving flags in their places.
  const rest: string[] = [];
  let skipped = 0;
  for (const arg of argv) {
    if (skipped < used && !isGlobalFlag(arg)) skipped++;
    else rest.push(arg);
  }
  return { words: matched ? [...matched.words] : words, rest };
}

async function parseInvocation(argv: string[]): Promise<Invocation> {
  const flagsOnly = argv.slice(0, argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--'));
  if (flagsOnly.some((a) => PIN_FLAG.test(a))) {
    throw new UsageError(
      'There is no --pin flag: PINs are never taken on the command line; add pin-source=file:PATH or pin-source=env:NAME to the URI.',
    );
  }
  const wantsHelp = flagsOnly.includes('--help') || flagsOnly.includes('-h');
  const { words, rest } = splitCommand(argv);
  const entry = COMMANDS.find((c) => c.words.join(' ') === words.join(' '));
  if (!entry) {
    if (words.length === 0) {
      if (wantsHelp) return { kind: 'help', text: globalHelp(await loadCommands()) };
      throw new UsageError(
        'No command given; run olocus-ceremony --help for the list of commands.',
      );
    }
    const group = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === words[0]);
    if (group.length > 0 && (words.length === 1 || wantsHelp)) {
      if (wantsHelp) return { kind: 'help', text: groupHelp(words[0]!, await loadCommands(group)) };
      throw new UsageError(
        `"${words[0]}" needs a subcommand: ${group.map((c) => c.words[1]).join(' or ')}.`,
      );
    }
    throw new UsageError(
      `Unknown command "${words.join(' ')}"; run olocus-ceremony --help for the list.`,
    );
  }
  const command = await entry.load();
  const options: ParseArgsConfig['options'] = { ...GLOBAL_OPTIONS };
  for (const [name, f] of Object.entries(command.flags))
    options[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw parseError(e, command, rest, options);
  }
  // Flags declared `multiple` give arrays; listFlag reads them.
  const values = parsed.values as CommandContext['values'];
  if (values.help) return { kind: 'help', text: commandHelp(command) };
  checkArguments(command, values, parsed.positionals);
  return { kind: 'run', command, values, positionals: parsed.positionals };
}

/** node:util's messages name flags with quotes and hints for programmers; ours name the flag. */
function parseError(
  e: unknown,
  command: CommandSpec,
  rest: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): UsageError {
  const name = command.words.join(' ');
  const code = (e as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    // Only the flag's name is repeated: whatever follows "=" may be a secret typed by mistake.
    const flag = rest
      .filter((a) => a.startsWith('-') && a !== '--')
      .map((a) => a.split('=')[0]!)
      .find((a) => !(a.replace(/^--?/, '') in options) && a !== '-h');
    return new UsageError(
      `Unknown flag ${flag ?? '(unnamed)'} for "${name}"; see olocus-ceremony ${name} --help.`,
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(--?[A-Za-z][\w-]*)/.exec((e as Error).message)?.[1] ?? 'a flag';
    const takesValue = options[flag.replace(/^--?/, '')]?.type === 'string';
    return new UsageError(
      takesValue ? `Flag ${flag} needs a value.` : `Flag ${flag} takes no value.`,
    );
  }
  return new UsageError(`Cannot read the arguments of "${name}": ${(e as Error).message}`);
}

function checkArguments(
  command: CommandSpec,
  values: Record<string, string | boolean | string[] | undefined>,
  positionals: string[],
): void {
  const name = command.words.join(' ');
  const expected = command.positionals ?? [];
  if (positionals.length < expected.length) {
    throw new UsageError(
      `"${name}" needs ${expected.slice(positionals.length).join(' ')}; see --help.`,
    );
  }
  if (positionals.length > expected.length) {
    // Not echoed: a stray argument may be a PIN typed where it does not belong.
    throw new UsageError(
      `"${name}" takes ${expected.length || 'no'} argument${expected.length === 1 ? '' : 's'} besides flags, and got ${positionals.length}; see --help.`,
    );
  }
  for (const [flag, f] of Object.entries(command.flags)) {
    const v = values[flag];
    if (f.required && (v === undefined || v === '')) {
      throw new UsageError(`"${name}" needs --${flag}${f.value ? ` ${f.value}` : ''}; see --help.`);
    }
    if (f.value === 'URI' && typeof v === 'string' && /[?&]pin-value=/i.test(v)) {
      throw new UsageError(
        `PINs are never taken on the command line: replace pin-value= in --${flag} with pin-source=file:PATH or pin-source=env:NAME.`,
      );
    }
  }
}

/** Runs one command line; returns the exit code. Always closes what it opened. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const out = new Output(io, argv.includes('--json'));
  const debug = argv.includes('--debug');
  let service: CeremonyService | null = null;
  let stopRetries: (() => void) | null = null;
  // A query over a large ledger verifies its second half in a worker thread: started now, the
  // worker boots while this thread loads the command, instead of after.
  if (argv[0] === 'audit' && argv[1] === 'query') startEarlyWorker(argv.slice(2));
  try {
    const inv = await parseInvocation(argv);
    if (inv.kind === 'help') {
      out.result({ help: inv.text }, () => inv.text);
      return 0;
    }
    const configPath = typeof inv.values.config === 'string' ? inv.values.config : undefined;
    // A config given is read (and refused when bad) whether or not the command uses it.
    const config = configPath
      ? (await (await import('../main/config/index')).loadHsmConfig(configPath)).config
      : undefined;
    const { values, positionals } = inv;
    if (inv.command.standalone) return await inv.command.run({ values, positionals, out });
    const { CeremonyService, describeRetry, onHsmRetry, lifecycleClock } = await loadService();
    service = new CeremonyService({
      onWarning: (m) => out.warn(m),
      ...(config ? { config } : {}),
      ...lifecycleClock(process.env),
    });
    stopRetries = onHsmRetry((r) => {
      out.retries.push(r);
      out.warn(describeRetry(r));
    });
    return await inv.command.run({ values, positionals, out, service });
  } catch (e) {
    io.stderr(`error: ${errorSentence(e)}\n`);
    if (debug) io.stderr(`${debugTrace(e)}\n`);
    if (out.json && !out.hasResult) {
      // Retries that came before the failure (retries exhausted) are part of the answer too.
      const doc = { ...errorDocument(e), ...(out.retries.length ? { retries: out.retries } : {}) };
      io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    }
    return exitCodeFor(e);
  } finally {
    // Worker threads and C_Finalize: without this the process could outlive its work.
    stopRetries?.();
    endEarlyWorker();
    await service?.close().catch(() => undefined);
  }
}
