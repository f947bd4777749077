// Reading the zod schema's structure: which keys a section allows (for "did you mean") and
// which fields are durations (for printing the effective config).

import { z } from 'zod';
import type { PathSegment } from './issues';

/** The object schema under optional/default/prefault/refine/transform wrappers, if any. */
export function objectSchemaOf(schema: z.ZodType): z.ZodObject | undefined {
  let s: unknown = schema;
  for (let depth = 0; depth < 16; depth++) {
    if (s instanceof z.ZodObject) return s;
    if (s instanceof z.ZodPipe) s = s.in;
    else if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodNullable
    ) {
      s = s.unwrap();
    } else return undefined;
  }
  return undefined;
}

/** The field schemas of the section at `path`, in declaration order. */
export function shapeAt(
  schema: z.ZodType,
  path: readonly PathSegment[],
): Record<string, z.ZodType> | undefined {
  let obj = objectSchemaOf(schema);
  for (const seg of path) {
    const field = obj?.shape[String(seg)] as z.ZodType | undefined;
    obj = field ? objectSchemaOf(field) : undefined;
  }
  return obj?.shape as Record<string, z.ZodType> | undefined;
}
