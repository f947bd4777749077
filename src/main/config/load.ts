// Loading hsm-config.yaml: YAML → structural checks → schema → machine warnings. Every error
// is collected with its line and column and thrown together, so one edit-and-retry round
// fixes the whole file.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { YAMLError } from 'yaml';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { ConfigError, formatIssue, sortIssues } from './issues';
import type { ConfigIssue } from './issues';
import { defaultModuleWarning, machineWarnings } from './machine';
import type { MachineProbe } from './machine';
import { hsmConfigSchema } from './schema';
import type { HsmConfig } from './schema';
import { positionAt, structuralIssues } from './yaml-ast';
import type { SourceMap } from './yaml-ast';
import { translateZodIssue } from './zod-issues';

export interface ParseOptions {
  /** Compare against this machine (default true); off when checking a file for elsewhere. */
  machineChecks?: boolean;
  /** Stand-ins for tests; default process.env and fs.existsSync. */
  env?: MachineProbe['env'];
  fileExists?: MachineProbe['fileExists'];
}

export interface ParsedHsmConfig {
  config: HsmConfig;
  /** `file:line:col: key.path: text`, for things to look at that do not stop the ceremony. */
  warnings: string[];
}

// Far more than any honest config needs; bounds "billion laughs" alias expansion.
const MAX_ALIAS_COUNT = 100;

// yaml's own wording, except where it addresses the programmer rather than the file's author.
function yamlErrorText(e: YAMLError): string {
  return e.code === 'MULTIPLE_DOCS'
    ? 'the file holds more than one document (a --- line); keep one'
    : e.message;
}

// An unclosed quote is reported where the file ends; the officer needs where it was opened.
function errorOffset(text: string, e: YAMLError): number {
  const quote = e.code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(e.message)?.[1] : undefined;
  if (quote === undefined) return e.pos[0];
  for (let i = Math.min(e.pos[0], text.length) - 1; i >= 0; i--) {
    if (text[i] === quote && !(quote === '"' && text[i - 1] === '\\')) return i;
  }
  return e.pos[0];
}

export function parseHsmConfig(
  text: string,
  sourceName = 'hsm-config.yaml',
  options: ParseOptions = {},
): ParsedHsmConfig {
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

  const parsed = hsmConfigSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push(...translateZodIssue(issue, { map, schema: hsmConfigSchema, data }));
    }
  }
  if (!parsed.success || issues.length > 0) {
    if (issues.length === 0) {
      // Unreachable while every zod issue translates to at least one sentence; never throw a blank.
      issues.push({ path: '', line: 1, col: 1, message: parsed.error?.message ?? 'invalid file' });
    }
    throw new ConfigError(sourceName, sortIssues(issues));
  }

  const config = parsed.data;
  const probe: MachineProbe | undefined =
    options.machineChecks === false
      ? undefined
      : { env: options.env ?? process.env, fileExists: options.fileExists ?? existsSync };
  const found: ConfigIssue[] = doc.warnings.map((w) => ({
    path: '',
    ...positionAt(map, w.pos[0]),
    message: `YAML: ${w.message}`,
  }));
  const note = defaultModuleWarning(config, map, probe);
  if (note) found.push(note);
  if (probe) found.push(...machineWarnings(config, map, probe));
  const warnings = sortIssues(found).map((w) => formatIssue(sourceName, w));
  return { config, warnings };
}

/** Reads and parses; a file that cannot be read is INVALID_INPUT naming the path. */
export async function loadHsmConfig(
  path: string,
  options: ParseOptions = {},
): Promise<ParsedHsmConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e);
    throw new OlocusError(ErrorCode.INVALID_INPUT, `Cannot read ${path}: ${reason}.`, { cause: e });
  }
  return parseHsmConfig(text, path, options);
}
