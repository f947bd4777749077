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
import { UNUSED, effectOf } from './effects';

export type EffectiveValue = string | number | boolean | string[] | EffectiveSection;
export interface EffectiveSection {
  [key: string]: EffectiveValue;
}

/** `only`: keep a leaf only when it says yes to the leaf's dotted path. */
function project(
  schema: z.ZodType,
  value: unknown,
  path = '',
  only?: (path: string) => boolean,
): EffectiveValue | undefined {
  if (path !== '' && objectSchemaOf(schema) === undefined && only && !only(path)) return undefined;
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
      const sub = path === '' ? key : `${path}.${key}`;
      const v = project(field, (value as Record<string, unknown>)[key], sub, only);
      if (v !== undefined && !(only && typeof v === 'object' && Object.keys(v).length === 0)) {
        out[key] = v;
      }
    }
    return out;
  }
  // Lists of addresses (cluster.backups); the schema refuses any with an inline PIN.
  if (Array.isArray(value)) {
    return value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  }
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean'
    ? (value as string | number | boolean)
    : undefined;
}

/** A plain JSON-ready object (for `--json`) that the loader reads back to the same config. */
export function redactConfig(config: HsmConfig): EffectiveSection {
  const out = project(hsmConfigSchema, config);
  return typeof out === 'object' && !Array.isArray(out) ? out : {};
}

/** Only the keys this tool acts on (config/effects.ts), defaults filled in. */
export function effectiveConfig(config: HsmConfig): EffectiveSection {
  const out = project(hsmConfigSchema, config, '', (p) => typeof effectOf(p) === 'string');
  return typeof out === 'object' && !Array.isArray(out) ? out : {};
}

/** The keys of `section` (from effectiveConfig) with what each does. */
export function listEffects(
  section: EffectiveSection,
  prefix = '',
): { key: string; effect: string }[] {
  return Object.entries(section).flatMap(([k, v]) => {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'object' && !Array.isArray(v)) return listEffects(v, key);
    const effect = effectOf(key);
    return typeof effect === 'string' ? [{ key, effect }] : [];
  });
}

/**
 * As commented YAML for people: only keys with an effect, each effect, then the keys the file
 * set that nothing here uses (`unused`, from the loader, located).
 */
export function formatEffectiveConfig(
  config: HsmConfig,
  source?: string,
  unused: readonly string[] = [],
): string {
  const effective = effectiveConfig(config);
  const lines = [
    `# Effective HSM configuration${source ? ` from ${source}` : ''}: the keys this tool acts on, defaults filled in.`,
    '# Secrets appear only as references (password_env, pin_source); none was read.',
    stringify(effective, { lineWidth: 0 }).trimEnd(),
    '# What each key does:',
    ...listEffects(effective).map((e) => `#   ${e.key}: ${e.effect}`),
  ];
  if (unused.length > 0) {
    lines.push(`# Set in the file, ${UNUSED}:`, ...unused.map((u) => `#   ${u}`));
  }
  return `${lines.join('\n')}\n`;
}
