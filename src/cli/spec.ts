// The shape of a command: its words, flags, help text and what it runs.
import type { CeremonyService } from '../main/service/index';
import type { Output } from './output';
import { UsageError } from './errors';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Shown in help after the flag name, e.g. URI or FILE. */
  value?: string;
  help: string;
  required?: boolean;
  /** May be given more than once (e.g. --share NAME=FILE for each officer). */
  multiple?: boolean;
}

/** What a command that needs no token or session gets (see CommandSpec.standalone). */
export interface StandaloneContext {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  out: Output;
}

export interface CommandContext extends StandaloneContext {
  service: CeremonyService;
}

interface CommandInfo {
  words: string[];
  usage: string;
  summary: string;
  /** Lines after the usage in --help. */
  details?: string[];
  flags: Record<string, FlagSpec>;
  positionals?: string[];
}

/**
 * A command runs with the CeremonyService, or, `standalone`, without it: then the CLI does not
 * load the service (and every domain and library behind it) just to read a file.
 */
export type CommandSpec = CommandInfo &
  (
    | { standalone?: false; run: (ctx: CommandContext) => Promise<number> }
    | { standalone: true; run: (ctx: StandaloneContext) => Promise<number> }
  );

/** A required string flag; main has already checked that required flags are present. */
export function stringFlag(ctx: StandaloneContext, name: string): string {
  const v = ctx.values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value.`);
  return v;
}

export function optionalString(ctx: StandaloneContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a repeatable flag, in the order given. */
export function listFlag(ctx: StandaloneContext, name: string): string[] {
  const v = ctx.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
