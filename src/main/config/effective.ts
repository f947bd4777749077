// The effective configuration, as `config check` prints it: defaults filled in,
// durations written the way people write them. Built by walking the schema, so only declared
// fields are printed; the schema has no field that holds a secret value, only references to
// where one lives (password_env, pin_source), and nothing here dereferences them.

import { stringify } from 'yaml';
import type { z } from 'zod';
import { formatDuration } from './duration';
import { hsmConfigSchema, durationSchemas } from './schema';
import type { HsmConfig } from './schema';
import { objectSchemaOf } from './schema-walk';
import { isSecretKey } from './secrets';

export type EffectiveValue = string | number | boolean | EffectiveSection;
export interface EffectiveSection {
  [key: string]: EffectiveValue;
}

function project(schema: z.ZodType, value: unknown): EffectiveValue | undefined {
  if (durationSchemas.has(schema)) {
    return typeof value === 'number' ? formatDuration(value) : undefined;
  }
  const obj = objectSchemaOf(schema);
  if (obj) {
    if (typeof value !== 'object' || value === null) return undefined;
    const out: EffectiveSection = {};
    for (const [key, field] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
      // Belt and braces: even a hand-built config object cannot smuggle a secret out.
      if (isSecretKey(key)) continue;
      const v = project(field, (value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean'
    ? (value as string | number | boolean)
    : undefined;
}

/** A plain JSON-ready object (for `--json`) that the loader reads back to the same config. */
export function redactConfig(config: HsmConfig): EffectiveSection {
  const out = project(hsmConfigSchema, config);
  return typeof out === 'object' ? out : {};
}

/** The same, as commented YAML for people. */
export function formatEffectiveConfig(config: HsmConfig, source?: string): string {
  const header = [
    `# Effective HSM configuration${source ? ` from ${source}` : ''}, defaults filled in.`,
    '# Secrets appear only as references (password_env, pin_source); none was read.',
  ].join('\n');
  return `${header}\n${stringify(redactConfig(config), { lineWidth: 0 })}`;
}
