// A YAML file checked against a zod schema, with every problem located by line and column:
// the machinery behind hsm-config.yaml and ceremony scripts alike.

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { YAMLError } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { ConfigError, sortIssues } from './issues';
import type { ConfigIssue } from './issues';
import { positionAt, structuralIssues } from './yaml-ast';
import type { SourceMap } from './yaml-ast';
import { translateZodIssue } from './zod-issues';

// Far more than any honest file needs; bounds "billion laughs" alias expansion.
const MAX_ALIAS_COUNT = 100;

// yaml's own wording, except where it addresses the programmer rather than the file's author.
function yamlErrorText(e: YAMLError): string {
  return e.code === 'MULTIPLE_DOCS'
    ? 'the file holds more than one document (a --- line); keep one'
    : e.message;
}

// An unclosed quote is reported where the file ends; the author needs where it was opened.
function errorOffset(text: string, e: YAMLError): number {
  const quote = e.code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(e.message)?.[1] : undefined;
  if (quote === undefined) return e.pos[0];
  for (let i = Math.min(e.pos[0], text.length) - 1; i >= 0; i--) {
    if (text[i] === quote && !(quote === '"' && text[i - 1] === '\\')) return i;
  }
  return e.pos[0];
}

export interface ParsedYamlFile<T> {
  value: T;
  map: SourceMap;
}

/**
 * Parses `text` and validates it against `schema`. `check` adds cross-field issues once the
 * schema passed. All problems are thrown together (ConfigError, INVALID_INPUT) so one
 * edit-and-retry round fixes the whole file.
 */
export function parseYamlFile<S extends z.ZodType>(
  text: string,
  sourceName: string,
  schema: S,
  check?: (value: z.output<S>, map: SourceMap) => ConfigIssue[],
): ParsedYamlFile<z.output<S>> {
  const lineCounter = new LineCounter();
  // Duplicate keys are found by structuralIssues, which can say where the first one was.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const map: SourceMap = { doc, lineCounter };

  if (doc.errors.length > 0) {
    // After a syntax error the tree is a guess; schema messages about it would mislead.
    const issues = doc.errors.map<ConfigIssue>((e) => ({
      path: '',
      ...positionAt(map, errorOffset(text, e)),
      message: `YAML syntax error: ${yamlErrorText(e)}`,
    }));
    throw new ConfigError(sourceName, sortIssues(issues));
  }

  const issues = structuralIssues(map);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    issues.push({ path: '', line: 1, col: 1, message: `YAML could not be read: ${message}` });
    throw new ConfigError(sourceName, sortIssues(issues));
  }

  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push(...translateZodIssue(issue, { map, schema, data }));
    }
  } else if (check) {
    issues.push(...check(parsed.data, map));
  }
  if (!parsed.success || issues.length > 0) {
    if (issues.length === 0) {
      // Unreachable while every zod issue translates to at least one sentence; never throw a blank.
      issues.push({ path: '', line: 1, col: 1, message: parsed.error?.message ?? 'invalid file' });
    }
    throw new ConfigError(sourceName, sortIssues(issues));
  }
  return { value: parsed.data, map };
}

/** Reads a text file; one that cannot be read is INVALID_INPUT naming the path. */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e);
    throw new OlocusError(ErrorCode.INVALID_INPUT, `Cannot read ${path}: ${reason}.`, { cause: e });
  }
}
