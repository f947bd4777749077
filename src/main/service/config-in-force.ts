// The hsm-config.yaml a service uses now: the one it was made with (--config, OLOCUS_CONFIG),
// or one chosen later in the app, by path or pasted. Its token is the one meant when a request
// names none; its pool and retry settings go to the process, for every token opened next.
import {
  addressWithConfig,
  effectiveConfig,
  formatEffectiveConfig,
  listEffects,
  loadHsmConfig,
  parseHsmConfig,
  poolOptionsFromConfig,
  retrySettingsFromConfig,
  tokenUriFromConfig,
} from '../config/index';
import type { HsmConfig, ParsedHsmConfig } from '../config/index';
import { configureHsmProcess } from '../hsm/pkcs11/process-settings';
import type { PoolOptions } from '../hsm/pkcs11/session-pool';
import { formatPkcs11Uri } from '../hsm/uri';
import type { Pkcs11Uri } from '../hsm/uri';
import type { ActiveConfig, ConfigCheckResult } from './types';

export type ConfigInput = { path: string } | { text: string; name?: string };

/** Validates an hsm-config.yaml; a ConfigError (INVALID_INPUT) lists every problem with line:col. */
export async function checkConfigFile(path: string): Promise<ConfigCheckResult> {
  return checkResult(await loadHsmConfig(path), path);
}

/** What `config check` prints for a parsed file. */
export function checkResult(parsed: ParsedHsmConfig, name: string): ConfigCheckResult {
  const { config, warnings, unused } = parsed;
  const effective = effectiveConfig(config);
  return {
    file: name,
    config: effective,
    effects: listEffects(effective),
    unused,
    yaml: formatEffectiveConfig(config, name, unused),
    warnings,
  };
}

export class ConfigInForce {
  /** The token the config names; undefined without a config (or for a cloud provider). */
  uri: Pkcs11Uri | undefined;
  /** The config itself (the monitor reads its monitoring section). */
  config: HsmConfig | undefined;
  private restore: (() => void) | undefined;
  private current: ActiveConfig = { source: 'none', file: null, tokenUri: null, check: null };

  /** `callerPool`: the service owner's own pool options, which win over any config's. */
  constructor(private readonly callerPool: Partial<PoolOptions> | undefined) {}

  get active(): ActiveConfig {
    return this.current;
  }

  /** `text` as a URI string: itself when it has a scheme, else the config's token (object=text). */
  resolve(text: string | undefined, what: string): string {
    const r = addressWithConfig(text, this.uri, what);
    return r.uri ? formatPkcs11Uri(r.uri) : r.text!;
  }

  /** Checks the file or text first: a ConfigError leaves the config in force as it was. */
  async use(input: ConfigInput): Promise<ActiveConfig> {
    const byPath = 'path' in input;
    const name = byPath ? input.path : (input.name ?? 'pasted hsm-config.yaml');
    const parsed = byPath ? await loadHsmConfig(input.path) : parseHsmConfig(input.text, name);
    this.apply(parsed.config, byPath ? 'file' : 'pasted', name, checkResult(parsed, name));
    return this.current;
  }

  apply(
    config: HsmConfig,
    source: ActiveConfig['source'],
    file: string | null,
    check?: ConfigCheckResult,
  ): void {
    this.restore?.();
    this.restore = configureHsmProcess({
      pool: { ...poolOptionsFromConfig(config), ...this.callerPool },
      retry: retrySettingsFromConfig(config),
    });
    this.config = config;
    this.uri = tokenUriFromConfig(config);
    this.current = {
      source,
      file,
      tokenUri: this.uri ? formatPkcs11Uri(this.uri) : null,
      check: check ?? checkResult({ config, warnings: [], unused: [] }, file ?? 'hsm-config.yaml'),
    };
  }

  /** Puts the process settings back as they were before this service. */
  close(): void {
    this.restore?.();
    this.restore = undefined;
  }
}
