// monitoring.* of hsm-config.yaml as the monitor takes it. The webhook URL may come from the
// environment (notification_webhook_env), so that a URL carrying a secret stays out of the file.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { HsmConfig } from '../config/index';
import type { MonitorSettings } from './monitor';

export function monitorSettingsFromConfig(
  config: HsmConfig,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): MonitorSettings {
  const m = config.hsm.monitoring;
  let url = m.notification_webhook;
  if (m.notification_webhook_env !== undefined) {
    url = env[m.notification_webhook_env];
    if (url === undefined || url === '') {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `hsm.monitoring.notification_webhook_env names the variable ${m.notification_webhook_env}, which is not set; set it to the webhook URL or remove the setting.`,
      );
    }
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      // The value is never quoted: it is the secret.
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `The variable ${m.notification_webhook_env} (hsm.monitoring.notification_webhook_env) does not hold an http(s):// URL.`,
      );
    }
  }
  return {
    metricsIntervalMs: m.metrics_interval,
    healthCheckIntervalMs: m.health_check_interval,
    thresholds: {
      latencySeconds: m.alert_latency_threshold / 1000,
      errorRate: m.alert_error_rate_threshold,
      poolUse: m.connection_threshold,
    },
    ...(m.probe_key !== undefined ? { probeKey: m.probe_key } : {}),
    ...(url !== undefined ? { webhook: { url } } : {}),
    log,
  };
}
