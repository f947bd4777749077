// HSM health monitoring: probes, Prometheus metrics, alerts (docs/monitoring.md).
export { Monitor } from './monitor';
export type { MonitorSettings, TokenHealthState } from './monitor';
export { monitorSettingsFromConfig } from './settings';
export { DEFAULT_LISTEN, checkListen, parseListen, serveMetrics } from './exposition';
export type { ListenAddress, MetricsServer } from './exposition';
export { instrumentProvider } from './instrument';
export { HsmMetrics, OPERATIONS } from './metrics';
export { ALERT_NAMES } from './alerts';
export type { Alert, Thresholds } from './alerts';
export { redactUrl, webhookPayload, WebhookSender } from './webhook';
export { subject } from './monitor';
export { EXTRA_ALERT_NAMES, MEMBER_STATES } from './extras';
export type { GroupSource, ProbeFn, RotationDate, RotationSource, Timer } from './extras';
