// The seed's pool and connection settings as the PKCS#11 layer takes them.
import type { PoolOptions } from '../hsm/pkcs11/session-pool';
import type { RetrySettings } from '../hsm/pkcs11/process-settings';
import type { HsmConfig } from './schema';

export function poolOptionsFromConfig(config: HsmConfig): PoolOptions {
  const { pool, connection } = config.hsm;
  return {
    minSessions: pool.min_sessions,
    maxSessions: pool.max_sessions,
    idleTimeoutMs: pool.idle_timeout,
    healthCheckIntervalMs: pool.health_check_interval,
    // How long an operation may wait for a session: the connection timeout of the seed.
    acquireTimeoutMs: connection.timeout,
    ...(pool.max_lifetime !== undefined ? { maxLifetimeMs: pool.max_lifetime } : {}),
  };
}

/** connection.retry_attempts; the backoff never waits longer than connection.timeout. */
export function retrySettingsFromConfig(config: HsmConfig): Partial<RetrySettings> {
  const { connection } = config.hsm;
  return {
    attempts: connection.retry_attempts,
    maxDelayMs: Math.min(connection.timeout, 5_000),
  };
}
