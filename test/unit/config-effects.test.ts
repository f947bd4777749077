// Every key hsm-config.yaml accepts either has an effect or is reported as unused: the table
// in config/effects.ts must name every leaf of the schema, and `config check` must print only
// keys with an effect and list every other key the file sets.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  KEY_EFFECTS,
  UNUSED,
  effectiveConfig,
  formatEffectiveConfig,
  hsmConfigSchema,
  parseHsmConfig,
} from '../../src/main/config/index';
import { objectSchemaOf } from '../../src/main/config/schema-walk';

function leaves(schema: z.ZodType, prefix: string): string[] {
  const obj = objectSchemaOf(schema);
  if (!obj) return [prefix];
  return Object.entries(obj.shape as Record<string, z.ZodType>).flatMap(([k, v]) =>
    leaves(v, prefix === '' ? k : `${prefix}.${k}`),
  );
}

const bare = { env: {}, fileExists: () => false };

describe('the effects table', () => {
  it('names every key the schema accepts, and nothing else', () => {
    expect(Object.keys(KEY_EFFECTS).sort()).toEqual(leaves(hsmConfigSchema, '').sort());
  });

  it('monitoring.*, keys.* (lifecycle), pkcs11 token keys and pool keys all have effects', () => {
    for (const [k, v] of Object.entries(KEY_EFFECTS)) {
      if (/^hsm\.monitoring\./.test(k)) expect(v, k).toEqual(expect.any(String));
      if (/^hsm\.keys\./.test(k)) expect(v, k).toEqual(expect.any(String));
      if (/^hsm\.pool\./.test(k)) expect(v, k).toEqual(expect.any(String));
    }
    expect(KEY_EFFECTS['hsm.connection.host']).toBeNull();
    expect(KEY_EFFECTS['hsm.pkcs11.token_label']).toEqual(expect.any(String));
  });
});

describe('config check output', () => {
  const text = [
    'hsm:',
    '  provider: softhsm',
    '  connection:',
    '    host: hsm.example.net',
    '    retry_attempts: 2',
    '  pool:',
    '    max_lifetime: 2h',
    '  keys:',
    '    max_versions: 3',
    '  monitoring:',
    '    enabled: false',
  ].join('\n');

  it('lists each unused key the file sets, with its line and column', () => {
    const { unused } = parseHsmConfig(text, 'c.yaml', bare);
    expect(unused).toEqual([`c.yaml:4:11: hsm.connection.host: ${UNUSED}`]);
  });

  it('prints only keys with an effect, and says what each does', () => {
    const { config, unused } = parseHsmConfig(text, 'c.yaml', bare);
    const eff = effectiveConfig(config);
    expect(eff).toMatchObject({
      hsm: { pool: { max_lifetime: '2h' }, connection: { retry_attempts: 2 } },
    });
    expect(eff).toMatchObject({ hsm: { keys: { max_versions: 3, rotation_interval: '90d' } } });
    expect(eff).toMatchObject({ hsm: { monitoring: { enabled: false } } });
    expect(JSON.stringify(eff)).not.toMatch(/host/);
    const out = formatEffectiveConfig(config, 'c.yaml', unused);
    const body = out.split('\n').filter((l) => !l.startsWith('#'));
    expect(body.join('\n')).not.toMatch(/host/);
    expect(body.join('\n')).toMatch(/max_versions: 3/);
    expect(out).toContain('#   hsm.connection.retry_attempts: extra attempts');
    expect(out).toContain(`#   c.yaml:4:11: hsm.connection.host: ${UNUSED}`);
  });
});
