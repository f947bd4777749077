// Exit codes and error sentences of the command-line contract (CLI.md "Conventions").
// Not config/index: that loads yaml and zod, which a command that reads no config never needs.
import { ConfigError } from '../main/config/issues';
import { ErrorCode, OlocusError, isOlocusError } from '../shared/errors';

export const EXIT = { OK: 0, NOT_VALID: 1, USAGE: 2, HSM: 3 } as const;

/** Bad usage: an unknown flag, a missing argument, an output file that already exists. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'there is no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'it already exists',
};

/** A file named on the command line that cannot be read or written is bad input (exit 2). */
function fileProblem(e: unknown): OlocusError | null {
  if (!(e instanceof Error)) return null;
  const { code, path, syscall } = e as NodeJS.ErrnoException;
  const problem = code ? FILE_PROBLEMS[code] : undefined;
  if (!problem || !path) return null;
  const verb = syscall === 'open' || syscall === 'read' || syscall === 'stat' ? 'read' : 'use';
  return new OlocusError(ErrorCode.INVALID_INPUT, `Cannot ${verb} ${path}: ${problem}.`, {
    cause: e,
  });
}

/** Unexpected failures still name a code, so scripts see the same shape for every exit 3. */
function asOlocus(e: unknown): OlocusError | null {
  if (e instanceof UsageError) return null;
  if (isOlocusError(e)) return e;
  const file = fileProblem(e);
  if (file) return file;
  const message = e instanceof Error ? e.message : String(e);
  return new OlocusError(ErrorCode.OPERATION_FAILED, `Unexpected error: ${message}`, { cause: e });
}

/** 2 for bad usage and bad input (INVALID_INPUT 108), 3 for what the HSM or provider said. */
export function exitCodeFor(e: unknown): number {
  const err = asOlocus(e);
  if (!err || err.code === ErrorCode.INVALID_INPUT) return EXIT.USAGE;
  return EXIT.HSM;
}

/** What goes to stderr: the sentence, with code and CKR name for provider errors. */
export function errorSentence(e: unknown): string {
  const err = asOlocus(e);
  if (!err) return (e as Error).message;
  return err.code === ErrorCode.INVALID_INPUT ? err.message : err.describe();
}

/** The --json document for a failure. */
export function errorDocument(e: unknown): { error: Record<string, unknown> } {
  const err = asOlocus(e);
  const base: Record<string, unknown> = {
    exitCode: exitCodeFor(e),
    code: err?.code ?? null,
    ...(err?.ckr ? { ckr: err.ckr } : {}),
    message: err ? err.message : (e as Error).message,
  };
  if (e instanceof ConfigError) base.issues = e.issues;
  return { error: base };
}

/** The stack and its causes, for --debug only. */
export function debugTrace(e: unknown): string {
  const lines: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    lines.push(
      depth === 0 ? '' : 'Caused by:',
      cur instanceof Error ? (cur.stack ?? cur.message) : String(cur),
    );
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return lines.filter(Boolean).join('\n');
}
