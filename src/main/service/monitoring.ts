// The service's side of `monitor`: the config's token, opened once through the service's
// connections (so its pool and retry settings apply), handed to a Monitor. Only a front that
// asks starts this (the desktop app's live health is service/health.ts), and nothing here opens a socket.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { HsmConfig } from '../config/index';
import type { Pkcs11Uri } from '../hsm/uri';
import { Monitor, monitorSettingsFromConfig } from '../monitoring/index';
import type { MonitorSettings } from '../monitoring/index';
import type { Connections, UriOpener } from './connections';
import { watchSources } from './monitor-sources';
import type { SourceService, WatchRequest } from './monitor-sources';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

export interface MonitorOptions {
  log: (line: string) => void;
  /** Overrides for tests (webhook retry timing, say); the config decides the rest. */
  tune?: (settings: MonitorSettings) => MonitorSettings;
  /** Group members and cloud keys to watch besides the config's token. */
  watch?: Omit<WatchRequest, 'rotation'>;
}

export async function startMonitoring(
  connections: Connections,
  config: HsmConfig | undefined,
  configUri: Pkcs11Uri | undefined,
  options: MonitorOptions,
  service?: SourceService,
): Promise<{ monitor: Monitor; tokens: string[] }> {
  if (!config) {
    throw invalid('The monitor needs --config FILE: an hsm-config.yaml naming the token to watch.');
  }
  if (config.hsm.monitoring.enabled === false) {
    throw invalid(
      'hsm.monitoring.enabled is false in the config; set it to true to run the monitor.',
    );
  }
  if (!configUri) {
    throw invalid(
      `The monitor watches PKCS#11 tokens, and hsm.provider ${config.hsm.provider} is not one; use a config with an hsm.pkcs11 token.`,
    );
  }
  let settings = monitorSettingsFromConfig(config, options.log);
  if (options.tune) settings = options.tune(settings);
  const monitor = new Monitor(settings);
  const { provider } = await connections.get(configUri, 'auto');
  const info = await provider.tokenInfo();
  monitor.addToken(info.label, provider);
  // The token's key families are watched for rotation dates; an absent inventory has none.
  if (service) await watchSources(monitor, service, { ...options.watch, rotation: true });
  return { monitor, tokens: [info.label, ...(options.watch?.cloudKeys ?? [])] };
}

/** Opens tokens as `open` does, each handed back timed and counted, and watched by `monitor`. */
export function monitoredOpener(open: UriOpener, monitor: Monitor): UriOpener {
  return async (uri, opts) => {
    const provider = await open(uri, opts);
    const info = await provider.tokenInfo();
    return monitor.addToken(info.label, provider);
  };
}
