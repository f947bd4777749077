// zod's issues rewritten as sentences an officer can act on, located in the file.
// Values are quoted only where they cannot be secret: durations, numbers in numeric fields,
// the provider name. Everything else is described by kind ("got a string").

import { z } from 'zod';
import { closestMatch, kindOf } from './util';
import { isSecretKey } from './secrets';
import { dottedPath } from './issues';
import type { ConfigIssue, PathSegment } from './issues';
import { shapeAt } from './schema-walk';
import { locate } from './yaml-ast';
import type { SourceMap } from './yaml-ast';

type ZodIssue = z.ZodError['issues'][number];

export interface TranslateContext {
  map: SourceMap;
  schema: z.ZodType;
  /** The plain value the schema was given. */
  data: unknown;
}

const EXPECTED: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a section (indented key: value lines)',
  array: 'a list',
};

function segments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((seg) => (typeof seg === 'number' ? seg : String(seg)));
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PathSegment, unknown>)[seg];
  }
  return v;
}

function inSection(parent: readonly PathSegment[]): string {
  return parent.length > 0 ? ` in ${dottedPath(parent)}` : ' at the top level';
}

function numberField(ctx: TranslateContext, path: readonly PathSegment[]): z.ZodNumber | undefined {
  const last = path.at(-1);
  let s: unknown = last === undefined ? undefined : shapeAt(ctx.schema, path.slice(0, -1))?.[last];
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap();
  return s instanceof z.ZodNumber ? s : undefined;
}

function describeGot(value: unknown, expected: string): string {
  const numeric = expected === 'int' || expected === 'number';
  if (typeof value === 'number' && numeric) return String(value);
  if (typeof value === 'string' && numeric && /^-?\d+(\.\d+)?$/.test(value)) {
    return 'a quoted string; write the number without quotes';
  }
  if (typeof value === 'string' && expected === 'boolean' && /^(yes|no|on|off|y|n)$/i.test(value)) {
    return `"${value}" (YAML 1.2 reads that as text); write true or false`;
  }
  return kindOf(value);
}

function unknownKeys(
  issue: Extract<ZodIssue, { code: 'unrecognized_keys' }>,
  ctx: TranslateContext,
): ConfigIssue[] {
  const parent = segments(issue.path);
  const allowed = Object.keys(shapeAt(ctx.schema, parent) ?? {});
  // Secret-looking keys were already reported with advice on where the secret belongs.
  return issue.keys
    .filter((key) => !isSecretKey(key))
    .map((key) => {
      const path = [...parent, key];
      const guess = closestMatch(key, allowed);
      const hint = guess ? `did you mean "${guess}"?` : `allowed: ${allowed.join(', ')}`;
      return {
        path: dottedPath(path),
        ...locate(ctx.map, path, 'key'),
        message: `unknown key "${key}"${inSection(parent)} (${hint})`,
      };
    });
}

function sentence(issue: ZodIssue, ctx: TranslateContext): string {
  const path = segments(issue.path);
  const where = dottedPath(path);
  const value = valueAt(ctx.data, path);
  // zod says "invalid type" or "invalid option" for an absent key; the officer needs "missing".
  const absent = value === undefined && issue.code !== 'custom';
  if (absent && path.length > 0) {
    return `missing required key "${String(path.at(-1))}"${inSection(path.slice(0, -1))}`;
  }
  switch (issue.code) {
    case 'invalid_type': {
      if (path.length === 0) {
        return value === null || value === undefined
          ? 'the file is empty; it needs an hsm: section'
          : `the file must be a section with an hsm: key, not ${kindOf(value)}`;
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return `${where}: expected ${expected}, got ${describeGot(value, issue.expected)}`;
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      const written = typeof value === 'string' ? `"${value}"` : kindOf(value);
      const guess = typeof value === 'string' ? closestMatch(value, options) : undefined;
      const tail = guess ? ` (did you mean "${guess}"?)` : '';
      const field = String(path.at(-1) ?? 'value');
      return `unknown ${field} ${written} in ${where}; valid ${field}s: ${options.join(', ')}${tail}`;
    }
    case 'too_big':
    case 'too_small': {
      const num = issue.origin === 'number' ? numberField(ctx, path) : undefined;
      if (num && typeof value === 'number') {
        const { minValue: lo, maxValue: hi } = num;
        const range =
          lo !== null && hi !== null && Number.isFinite(lo) && Number.isFinite(hi)
            ? `between ${lo} and ${hi}`
            : issue.code === 'too_big'
              ? `at most ${String(issue.maximum)}`
              : `at least ${String(issue.minimum)}`;
        return `${where} must be ${range} (got ${value})`;
      }
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const cmp = issue.code === 'too_big' ? 'at most' : 'at least';
      const unit = issue.origin === 'string' ? ' characters' : '';
      if (issue.origin === 'string' && issue.code === 'too_small' && bound === 1) {
        return `${where} must not be empty`;
      }
      return `${where} must be ${cmp} ${String(bound)}${unit}`;
    }
    default: {
      const params = (issue as { params?: { standalone?: boolean } }).params;
      if (params?.standalone) return issue.message;
      return issue.message.startsWith('must ')
        ? `${where} ${issue.message}`
        : `${where}: ${issue.message}`;
    }
  }
}

export function translateZodIssue(issue: ZodIssue, ctx: TranslateContext): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') return unknownKeys(issue, ctx);
  const path = segments(issue.path);
  return [
    {
      path: dottedPath(path),
      ...locate(ctx.map, path),
      message: sentence(issue, ctx),
    },
  ];
}
