import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHsmConfig, poolOptionsFromConfig } from '../../src/main/config/index';

describe('pool settings from hsm-config.yaml', () => {
  it('maps the seed pool and connection timeout onto the session pool, durations in ms', () => {
    const text = readFileSync(
      new URL('../fixtures/config/seed-thales.yaml', import.meta.url),
      'utf8',
    );
    const { config } = parseHsmConfig(text, 'seed-thales.yaml', { machineChecks: false });
    expect(poolOptionsFromConfig(config)).toEqual({
      minSessions: 5,
      maxSessions: 50,
      idleTimeoutMs: 300_000,
      healthCheckIntervalMs: 60_000,
      acquireTimeoutMs: 30_000,
    });
  });
});
