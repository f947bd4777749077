// Settings that apply to every token this process opens, whoever opens it: the CLI's commands,
// a ceremony, a rehearsal, a drill, the desktop app. An hsm-config.yaml given to the process
// (CLI --config, the app's OLOCUS_CONFIG) sets them once; a caller's own options still win.
import { DEFAULT_POOL } from './session-pool';
import type { PoolOptions } from './session-pool';

export interface RetrySettings {
  /** Extra attempts after the first, for operations safe to repeat (seed retry_attempts). */
  attempts: number;
  /** First backoff delay; doubled each retry, with full jitter. */
  baseDelayMs: number;
  /** No single backoff delay exceeds this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { attempts: 0, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface ProcessHsmSettings {
  pool: PoolOptions;
  retry: RetrySettings;
}

let current: ProcessHsmSettings = { pool: DEFAULT_POOL, retry: DEFAULT_RETRY };

/** Sets the process-wide settings; returns a function that puts the previous ones back. */
export function configureHsmProcess(settings: {
  pool?: Partial<PoolOptions>;
  retry?: Partial<RetrySettings>;
}): () => void {
  const previous = current;
  current = {
    pool: { ...DEFAULT_POOL, ...settings.pool },
    retry: { ...DEFAULT_RETRY, ...settings.retry },
  };
  return () => {
    current = previous;
  };
}

export function processHsmSettings(): ProcessHsmSettings {
  return current;
}
