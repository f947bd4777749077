// hsm-config.yaml `cluster:`: an HSM group's members, failover and batch settings.
import { describe, expect, it } from 'vitest';
import { effectiveConfig, parseHsmConfig } from '../../src/main/config/index';
import type { ConfigError } from '../../src/main/config/index';

const bare = { env: {}, fileExists: () => true, machineChecks: false };
const MOD = '/usr/lib/softhsm/libsofthsm2.so';
const base = (cluster: string[]) =>
  ['hsm:', '  provider: softhsm', 'cluster:', ...cluster.map((l) => `  ${l}`)].join('\n');

function errorOf(text: string): ConfigError {
  try {
    parseHsmConfig(text, 'c.yaml', bare);
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a config error');
}

describe('cluster:', () => {
  it('defaults: automatic failover after 3 failures, 30s checks, round-robin, batches of 50', () => {
    const { config } = parseHsmConfig(
      base([
        'name: signers',
        `primary: "pkcs11:token=a?module-path=${MOD}&pin-source=env:PIN_A"`,
        'backups:',
        `  - "pkcs11:token=b?module-path=${MOD}&pin-source=env:PIN_B"`,
        '  - "azurekv://vault1.vault.azure.net/keys/root-2026"',
      ]),
      'c.yaml',
      bare,
    );
    expect(config.cluster).toEqual({
      name: 'signers',
      primary: `pkcs11:token=a?module-path=${MOD}&pin-source=env:PIN_A`,
      backups: [
        `pkcs11:token=b?module-path=${MOD}&pin-source=env:PIN_B`,
        'azurekv://vault1.vault.azure.net/keys/root-2026',
      ],
      failover_policy: 'automatic',
      failover_threshold: 3,
      health_check_interval: 30_000,
      strategy: 'round-robin',
      member_host: 'in-process',
      batch: { max_batch_size: 50, max_wait_time: 100, max_concurrent_batches: 5 },
    });
    const eff = effectiveConfig(config).cluster as Record<string, unknown>;
    expect(eff.backups).toHaveLength(2);
    expect(eff.health_check_interval).toBe('30s');
  });

  it('threshold 0, an unknown strategy, an inline PIN and a repeated member are each named with line and column', () => {
    const e = errorOf(
      base([
        `primary: "pkcs11:token=a?module-path=${MOD}&pin-value=1234"`,
        'backups:',
        `  - "pkcs11:token=a?module-path=${MOD}&pin-value=1234"`,
        'failover_threshold: 0',
        'strategy: random',
      ]),
    );
    expect(e.message).toContain('c.yaml:4:12: cluster.primary must not hold a PIN');
    expect(e.message).toContain('c.yaml:6:7: cluster.backups[0] must not hold a PIN');
    expect(e.message).toContain(
      'c.yaml:7:23: cluster.failover_threshold must be between 1 and 1000 (got 0)',
    );
    expect(e.message).toMatch(/c\.yaml:8:13: .*cluster\.strategy.*round-robin/);
    expect(e.message).not.toContain('1234');
  });

  it('a member named twice is refused', () => {
    const e = errorOf(
      base([
        `primary: "pkcs11:token=a?module-path=${MOD}"`,
        'backups:',
        `  - "pkcs11:token=a?module-path=${MOD}"`,
      ]),
    );
    expect(e.message).toMatch(/c\.yaml:6:7: cluster\.backups\[0\].*names the same member twice/);
  });
});
