// A YAML file checked against a zod schema, with every problem located by line and column:
// the machinery behind hsm-config.yaml and ceremony scripts alike.

import { open } from 'node:fs/promises';
import { LineCounter, isMap, isPair, isSeq, parseDocument } from 'yaml';
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
/** A script or config is a few kilobytes; the cap keeps a hostile file from costing time or memory. */
export const MAX_YAML_BYTES = 1 << 20;
/** The deepest an honest script nests is about 6 levels; deeper is refused before any walk. */
export const MAX_YAML_DEPTH = 32;

/** The deepest map/sequence nesting of the tree, counted without recursion. */
function nestingDepth(root: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (isPair(node)) {
      stack.push([node.key, depth], [node.value, depth]);
    } else if (isMap(node) || isSeq(node)) {
      deepest = Math.max(deepest, depth);
      if (deepest > limit) return deepest;
      for (const item of node.items) stack.push([item, depth + 1]);
    }
  }
  return deepest;
}

function tooLarge(sourceName: string, bytes: number): ConfigError {
  return new ConfigError(sourceName, [
    {
      path: '',
      line: 1,
      col: 1,
      message: `the file is ${bytes} bytes, more than the ${MAX_YAML_BYTES} bytes a script or configuration may have; it was not read`,
    },
  ]);
}

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
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_YAML_BYTES) throw tooLarge(sourceName, size);
  const lineCounter = new LineCounter();
  // Duplicate keys are found by structuralIssues, which can say where the first one was.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const map: SourceMap = { doc, lineCounter };

  // yaml catches its own stack overflow on very deep input and reports it as a syntax error.
  const overflow = doc.errors.some((e) => /call stack/i.test(e.message));
  if (overflow || nestingDepth(doc.contents, MAX_YAML_DEPTH) > MAX_YAML_DEPTH) {
    throw new ConfigError(sourceName, [
      {
        path: '',
        line: 1,
        col: 1,
        message: `the file nests lists and sections more than ${MAX_YAML_DEPTH} levels deep; no script or configuration does`,
      },
    ]);
  }

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

/**
 * Reads a text file of at most `maxBytes`; one that cannot be read is INVALID_INPUT naming the
 * path. The size is checked on the open descriptor before anything is read, and the read stops
 * at the cap, so a file that grows meanwhile still costs no more than the cap.
 */
export async function readTextFile(path: string, maxBytes = MAX_YAML_BYTES): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e);
    throw new OlocusError(ErrorCode.INVALID_INPUT, `Cannot read ${path}: ${reason}.`, { cause: e });
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) {
      throw new OlocusError(ErrorCode.INVALID_INPUT, `Cannot read ${path}: not a regular file.`);
    }
    if (info.size > maxBytes) throw tooLarge(path, info.size);
    const buf = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxBytes) throw tooLarge(path, filled);
    }
    return buf.toString('utf8', 0, filled);
  } catch (e) {
    if (e instanceof OlocusError) throw e;
    throw new OlocusError(ErrorCode.INVALID_INPUT, `Cannot read ${path}: ${String(e)}.`, {
      cause: e,
    });
  } finally {
    await fh.close();
  }
}
