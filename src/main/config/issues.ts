// What the loader reports: every problem with the key path, line and column it is about.

import { ErrorCode, OlocusError } from '../../shared/errors';

export type PathSegment = string | number;

export interface ConfigIssue {
  /** Dotted key path, e.g. "hsm.connection.port"; "" for a YAML syntax error. */
  path: string;
  /** 1-based, as editors count. */
  line: number;
  col: number;
  /** The sentence after the location; never contains a configured value that might be secret. */
  message: string;
}

export function dottedPath(path: readonly PathSegment[]): string {
  return path
    .map((seg) => (typeof seg === 'number' ? `[${seg}]` : seg))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** `hsm-config.yaml:7:5: unknown key "hots" in hsm.connection (did you mean "host"?)` */
export function formatIssue(source: string, issue: ConfigIssue): string {
  return `${source}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** INVALID_INPUT with every issue, in file order, in the message and in `issues`. */
export class ConfigError extends OlocusError {
  readonly source: string;
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => formatIssue(source, i));
    const message =
      lines.length === 1
        ? (lines[0] ?? '')
        : `${lines.length} problems in ${source}:\n${lines.map((l) => `  ${l}`).join('\n')}`;
    super(ErrorCode.INVALID_INPUT, message);
    this.name = 'ConfigError';
    this.source = source;
    this.issues = issues;
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}

/** File order, and one report per location and message (several checks can see the same thing). */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return [...issues]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .filter((i) => {
      const id = `${i.line}:${i.col}:${i.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
}
