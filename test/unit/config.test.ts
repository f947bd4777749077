import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ConfigError,
  PROVIDERS,
  formatDuration,
  effectiveConfig,
  formatEffectiveConfig,
  loadHsmConfig,
  parseDuration,
  parseHsmConfig,
  redactConfig,
  tryParseDuration,
} from '../../src/main/config/index';
import type { HsmConfig, ParseOptions } from '../../src/main/config/index';
import { ErrorCode, OlocusError } from '../../src/shared/errors';

const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));
const fixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');

// A machine with nothing on it, so results do not depend on where the tests run.
const bare: ParseOptions = { env: {}, fileExists: () => false };

function parse(text: string, options: ParseOptions = bare) {
  return parseHsmConfig(text, 'hsm-config.yaml', options);
}

function configError(text: string): ConfigError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('durations', () => {
  it('reads every unit into milliseconds', () => {
    expect(['500ms', '30s', '5m', '2h', '90d', '1.5s'].map(parseDuration)).toEqual([
      500, 30_000, 300_000, 7_200_000, 7_776_000_000, 1_500,
    ]);
  });

  it.each([
    ['30x', 'unknown unit "x"; use ms, s, m, h or d'],
    ['-5s', '"-5s" is negative'],
    ['1.5.3s', '"1.5.3s" is not a duration'],
    ['', 'empty duration'],
    ['30', '"30" has no unit; write 30s (seconds) or 30ms'],
    ['0.5ms', 'not a whole number of milliseconds'],
  ])('rejects %j clearly', (input, message) => {
    const r = tryParseDuration(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
    expect(() => parseDuration(input)).toThrow(OlocusError);
  });

  it('rejects a bare YAML number, which could mean seconds or milliseconds', () => {
    expect(tryParseDuration(30)).toEqual({
      ok: false,
      message: '30 has no unit; write 30s (seconds) or 30ms',
    });
  });

  it('formats in the shortest exact unit and reads back', () => {
    expect([300_000, 60_000, 1_500, 7_776_000_000, 90_061_000, 0].map(formatDuration)).toEqual([
      '5m',
      '1m',
      '1500ms',
      '90d',
      '90061s',
      '0s',
    ]);
    for (const ms of [1, 999, 1000, 61_000, 3_600_000, 86_400_000 * 7]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });
});

describe('parseHsmConfig: valid files', () => {
  it('reads the olocus-hsm seed example', () => {
    const { config, warnings } = parse(fixture('seed-thales.yaml'));
    expect(config.hsm).toEqual({
      provider: 'thales_luna',
      connection: { host: '192.168.1.100', port: 1792, timeout: 30_000, retry_attempts: 3 },
      auth: {
        username: 'crypto_user',
        password_env: 'HSM_PASSWORD',
        certificate_path: '/etc/hsm/client.pem',
        private_key_path: '/etc/hsm/client-key.pem',
      },
      pool: {
        min_sessions: 5,
        max_sessions: 50,
        idle_timeout: 300_000,
        health_check_interval: 60_000,
      },
      keys: {
        rotation_interval: 7_776_000_000,
        overlap_period: 604_800_000,
        max_versions: 5,
        notification_advance: 604_800_000,
      },
      monitoring: {
        enabled: true,
        metrics_interval: 30_000,
        health_check_interval: 60_000,
        alert_latency_threshold: 500,
        alert_error_rate_threshold: 0.01,
        connection_threshold: 0.8,
      },
      // The seed names no module: the Luna client's default is used and said so.
      pkcs11: { module_path: '/usr/safenet/lunaclient/lib/libCryptoki2_64.so' },
    });
    expect(warnings[0]).toBe(
      'hsm-config.yaml:3:13: hsm.provider: hsm.pkcs11.module_path is not set, so the thales_luna ' +
        'default /usr/safenet/lunaclient/lib/libCryptoki2_64.so is used; it does not exist here ' +
        '(fine if this file is for another machine)',
    );
  });

  it('fills in every default for a minimal file', () => {
    const { config } = parse('hsm:\n  provider: softhsm\n');
    expect(config.hsm.connection).toEqual({ timeout: 30_000, retry_attempts: 3 });
    expect(config.hsm.pool).toEqual({
      min_sessions: 1,
      max_sessions: 8,
      idle_timeout: 300_000,
      health_check_interval: 60_000,
    });
    expect(config.hsm.keys).toEqual({
      rotation_interval: 90 * 86_400_000,
      overlap_period: 7 * 86_400_000,
      max_versions: 5,
      notification_advance: 7 * 86_400_000,
    });
    // Left out: `monitor` runs, the desktop app stays quiet (service/health.ts).
    expect(config.hsm.monitoring.enabled).toBeUndefined();
    expect(config.hsm.monitoring.alert_latency_threshold).toBe(500);
    expect(config.hsm.pkcs11?.module_path).toBe('/usr/lib/softhsm/libsofthsm2.so');
  });

  it('reads the PKCS#11 section of a SoftHSM file', () => {
    const { config, warnings } = parse(fixture('softhsm.yaml'));
    expect(config.hsm.pkcs11).toEqual({
      module_path: '/usr/lib/softhsm/libsofthsm2.so',
      token_label: 'olocus-rehearsal',
      pin_source: 'env:OLOCUS_USER_PIN',
      so_pin_source: 'file:/run/olocus/so.pin',
    });
    expect(warnings).toEqual([
      'hsm-config.yaml:5:18: hsm.pkcs11.module_path: /usr/lib/softhsm/libsofthsm2.so does not exist on this machine (fine if this file is for another machine)',
      'hsm-config.yaml:7:17: hsm.pkcs11.pin_source: OLOCUS_USER_PIN is not set in this environment',
      'hsm-config.yaml:8:20: hsm.pkcs11.so_pin_source: /run/olocus/so.pin does not exist on this machine (fine if this file is for another machine)',
    ]);
  });

  it('reads a cloud provider without a PKCS#11 section', () => {
    const { config, warnings } = parse(fixture('azure.yaml'));
    expect(config.hsm.azure).toEqual({
      vault_url: 'https://olocus-root.managedhsm.azure.net',
      managed_hsm: true,
      tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    });
    expect(config.hsm.pkcs11).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('round-trips through the effective config, as YAML and as JSON', () => {
    for (const name of ['seed-thales.yaml', 'softhsm.yaml', 'azure.yaml']) {
      const { config } = parse(fixture(name));
      const text = formatEffectiveConfig(config, name);
      // The YAML keeps only the keys with an effect, and those come back the same. The azure
      // section is not used by this tool, so the azure YAML is a listing, not a loadable file.
      if (name !== 'azure.yaml') {
        expect(effectiveConfig(parse(text).config)).toEqual(effectiveConfig(config));
      } else {
        expect(text).not.toMatch(/^\s+vault_url:/m);
      }
      expect(parse(stringify(JSON.parse(JSON.stringify(redactConfig(config))))).config).toEqual(
        config,
      );
    }
  });

  it('shows durations the way people write them', () => {
    const { config } = parse(fixture('seed-thales.yaml'));
    const text = formatEffectiveConfig(config);
    expect(text).toContain('    idle_timeout: 5m\n');
    expect(redactConfig(config)).toMatchObject({ hsm: { keys: { rotation_interval: '90d' } } });
    expect(redactConfig(config)).toMatchObject({
      hsm: { monitoring: { alert_latency_threshold: '500ms' } },
    });
    expect(redactConfig(config)).toMatchObject({ hsm: { connection: { timeout: '30s' } } });
  });

  it('prints secret references, and nothing that is not a declared field', () => {
    const { config } = parse(fixture('softhsm.yaml'));
    const smuggled = {
      hsm: { ...config.hsm, auth: { ...config.hsm.auth, password: 'hunter2' }, pin: '1234' },
    } as unknown as HsmConfig;
    const text = formatEffectiveConfig(smuggled);
    expect(text).toContain('pin_source: env:OLOCUS_USER_PIN');
    expect(text).not.toContain('hunter2');
    expect(JSON.stringify(redactConfig(smuggled))).not.toContain('1234');
  });
});

describe('parseHsmConfig: errors name the key, line and column', () => {
  it('malformed YAML: points at the unclosed quote', () => {
    // .txt so that `prettier --write .` does not choke on it.
    expect(configError(fixture('bad-syntax.yaml.txt')).message).toBe(
      'hsm-config.yaml:4:11: YAML syntax error: Missing closing "quote',
    );
  });

  it('unknown key, with a suggestion', () => {
    const e = configError(fixture('bad-unknown-key.yaml'));
    expect(e.message).toBe(
      'hsm-config.yaml:7:5: unknown key "hots" in hsm.connection (did you mean "host"?)',
    );
    expect(e.issues).toEqual([
      {
        path: 'hsm.connection.hots',
        line: 7,
        col: 5,
        message: 'unknown key "hots" in hsm.connection (did you mean "host"?)',
      },
    ]);
  });

  it('wrong types: every one reported, with a hint', () => {
    const e = configError(fixture('bad-type.yaml'));
    expect(e.message).toBe(
      [
        '2 problems in hsm-config.yaml:',
        '  hsm-config.yaml:4:11: hsm.connection.port: expected a number, got a quoted string; write the number without quotes',
        '  hsm-config.yaml:6:14: hsm.monitoring.enabled: expected true or false, got "yes" (YAML 1.2 reads that as text); write true or false',
      ].join('\n'),
    );
    expect(e).toBeInstanceOf(OlocusError);
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
  });

  it('bad duration', () => {
    expect(configError(fixture('bad-duration.yaml')).message).toBe(
      'hsm-config.yaml:4:19: hsm.pool.idle_timeout: "30x" has an unknown unit "x"; use ms, s, m, h or d',
    );
  });

  it('min_sessions greater than max_sessions names both', () => {
    expect(configError(fixture('bad-pool.yaml')).message).toBe(
      'hsm-config.yaml:4:19: hsm.pool.min_sessions (10) is greater than hsm.pool.max_sessions (4)',
    );
  });

  it('inline password: says where secrets go, never repeats the value', () => {
    const e = configError(fixture('bad-inline-password.yaml'));
    expect(e.message).toMatch(/^hsm-config\.yaml:5:5: inline secret "password" is not allowed; /);
    expect(e.message).toContain(
      'put the secret in an environment variable or a file and name it with password_env / pin_source',
    );
    expect(e.message).not.toContain('battery');
    expect(e.issues).toHaveLength(1); // not also reported as an unknown key
  });

  it.each([
    ['pkcs11:\n    pin: "123456"', 'pin_source: "file:/run/ceremony/user.pin" under hsm.pkcs11'],
    ['pkcs11:\n    so_pin: "123456"', 'so_pin_source'],
    ['azure:\n    client_secret: abc123', 'password_env / pin_source'],
    ['auth:\n    password_env: "hunter2!"', 'must be an environment variable name'],
    ['pkcs11:\n    pin_source: "123456"', 'must be "env:VARIABLE" or "file:/absolute/path"'],
    ['pkcs11:\n    pin_source: 123456', 'expected a string, got a number'],
  ])('secrets in the wrong place (%j) are refused without echoing them', (section, hint) => {
    const e = configError(`hsm:\n  provider: softhsm\n  ${section}\n`);
    expect(e.message).toContain(hint);
    expect(e.message).not.toMatch(/123456|abc123|hunter2/);
  });

  it('missing provider section', () => {
    expect(configError(fixture('bad-missing-section.yaml')).message).toBe(
      'hsm-config.yaml:2:13: provider gcp_hsm needs an hsm.gcp section with project and location',
    );
    expect(configError('hsm:\n  provider: azure_keyvault\n').message).toBe(
      'hsm-config.yaml:2:13: provider azure_keyvault needs an hsm.azure section with vault_url',
    );
    expect(
      configError('hsm:\n  provider: aws_cloudhsm\n  aws:\n    region: eu-west-1\n').message,
    ).toBe('hsm-config.yaml:3:3: provider aws_cloudhsm needs hsm.aws.cluster_id');
  });

  it('duplicate key, naming the first one', () => {
    expect(configError(fixture('bad-duplicate-key.yaml')).message).toBe(
      'hsm-config.yaml:6:5: duplicate key "max_sessions" in hsm.pool (first written at line 4)',
    );
  });

  it('unknown provider lists the valid ones', () => {
    const { message } = configError(fixture('bad-provider.yaml'));
    expect(message).toBe(
      `hsm-config.yaml:2:13: unknown provider "luna" in hsm.provider; valid providers: ${PROVIDERS.join(', ')} (did you mean "thales_luna"?)`,
    );
  });

  it('reports every problem in file order, with structured issues', () => {
    const e = configError(
      [
        'hsm:',
        '  provider: softhsm',
        '  azure:',
        '    vault_url: https://x.vault.azure.net',
        '  connection:',
        '    port: 70000',
        '    timeout: 30',
        '  monitoring:',
        '    alert_error_rate_threshold: 2',
        '  pkcs11:',
        '    module_path: libsofthsm2.so',
        '',
      ].join('\n'),
    );
    expect(e.issues.map((i) => `${i.line}:${i.col} ${i.path}`)).toEqual([
      '3:3 hsm.azure',
      '6:11 hsm.connection.port',
      '7:14 hsm.connection.timeout',
      '9:33 hsm.monitoring.alert_error_rate_threshold',
      '11:18 hsm.pkcs11.module_path',
    ]);
    expect(e.message).toContain('hsm.azure is only used with provider azure_keyvault, not softhsm');
    expect(e.message).toContain('hsm.connection.port must be between 1 and 65535 (got 70000)');
    expect(e.message).toContain(
      'hsm.connection.timeout: 30 has no unit; write 30s (seconds) or 30ms',
    );
    expect(e.message).toContain('alert_error_rate_threshold must be between 0 and 1 (got 2)');
    expect(e.message).toContain('hsm.pkcs11.module_path must be an absolute path');
  });

  it('missing top-level section and empty file', () => {
    expect(configError('').message).toBe(
      'hsm-config.yaml:1:1: the file is empty; it needs an hsm: section',
    );
    expect(configError('hsm:\n  connection: {}\n').message).toBe(
      'hsm-config.yaml:1:1: missing required key "provider" in hsm',
    );
  });
});

describe('machine checks are warnings', () => {
  it('names each missing file with its line', async () => {
    const { warnings } = await loadHsmConfig(fixturePath('missing-files.yaml'), bare);
    const src = fixturePath('missing-files.yaml');
    expect(warnings).toEqual([
      `${src}:4:23: hsm.auth.certificate_path: /nonexistent/olocus/client.pem does not exist on this machine (fine if this file is for another machine)`,
      `${src}:5:23: hsm.auth.private_key_path: /nonexistent/olocus/client-key.pem does not exist on this machine (fine if this file is for another machine)`,
      `${src}:7:18: hsm.pkcs11.module_path: /nonexistent/olocus/libcs_pkcs11_R3.so does not exist on this machine (fine if this file is for another machine)`,
    ]);
  });

  it('checks that password_env is set, without reading it', () => {
    const text = fixture('seed-thales.yaml');
    const unset = parse(text).warnings;
    expect(unset).toContain(
      'hsm-config.yaml:11:19: hsm.auth.password_env: HSM_PASSWORD is not set in this environment',
    );
    const env = new Proxy({ HSM_PASSWORD: 'secret' } as Record<string, string>, {
      get: () => {
        throw new Error('a value was read');
      },
    });
    const set = parse(text, { env, fileExists: () => true }).warnings;
    expect(set).toEqual([expect.stringContaining('module_path is not set')]);
  });

  it('can be turned off for a file meant for another machine', () => {
    const { warnings } = parse(fixture('missing-files.yaml'), { machineChecks: false });
    expect(warnings).toEqual([]);
  });

  it('an unreadable file is INVALID_INPUT naming the path', async () => {
    await expect(loadHsmConfig('/nonexistent/hsm-config.yaml')).rejects.toThrow(
      'Cannot read /nonexistent/hsm-config.yaml: no such file.',
    );
  });
});
