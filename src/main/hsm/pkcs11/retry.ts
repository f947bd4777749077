// connection.retry_attempts: an operation that is safe to repeat (it changes nothing on the
// token: sign, verify, encrypt, decrypt, wrap, reading keys) and failed with error 100
// (connection) or 105 (session) is tried again after an exponential backoff with full jitter.
// Generating, unwrapping or destroying a key is never repeated: it could make a second key.
// A lost login is re-established once from the same PIN source, then the operation repeated.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { processHsmSettings } from './process-settings';
import type { RetrySettings } from './process-settings';

export interface RetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  of: number;
  delayMs: number;
  /** The error that is being retried (100 or 105), or 102 for a re-established login. */
  code: number;
  ckr?: string;
  doing: string;
}

export type RetryListener = (e: RetryEvent) => void;

const listeners = new Set<RetryListener>();

/** Every retry of any token in the process is told here (CLI --json, the app's progress). */
export function onHsmRetry(listener: RetryListener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

const RETRYABLE = new Set<number>([ErrorCode.CONNECTION_FAILED, ErrorCode.SESSION_UNAVAILABLE]);

/** Full jitter: uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(
  settings: RetrySettings,
  attempt: number,
  random = Math.random,
): number {
  const cap = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * cap);
}

export interface RetryOptions {
  idempotent: boolean;
  doing: () => string;
  /** Logs in again from the PIN source the connection was opened with; absent: no relogin. */
  relogin?: (() => Promise<void>) | undefined;
  settings?: RetrySettings;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function announce(e: RetryEvent): void {
  for (const l of listeners) {
    try {
      l(e);
    } catch {
      /* a listener's failure must not fail the operation */
    }
  }
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const settings = opts.settings ?? processHsmSettings().retry;
  let relogged = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof OlocusError) || !opts.idempotent) throw e;
      if (
        e.code === ErrorCode.AUTHENTICATION_FAILED &&
        e.ckr === 'CKR_USER_NOT_LOGGED_IN' &&
        opts.relogin &&
        !relogged
      ) {
        relogged = true;
        announce({ attempt: 1, of: 1, delayMs: 0, code: e.code, ckr: e.ckr, doing: opts.doing() });
        await opts.relogin();
        attempt--;
        continue;
      }
      if (!RETRYABLE.has(e.code)) throw e;
      if (attempt > settings.attempts) {
        if (settings.attempts === 0) throw e;
        throw new OlocusError(
          e.code,
          `${e.message} Gave up after ${settings.attempts} ${settings.attempts === 1 ? 'retry' : 'retries'} (connection.retry_attempts).`,
          { ...(e.ckr ? { ckr: e.ckr } : {}), cause: e },
        );
      }
      const delayMs = backoffDelay(settings, attempt);
      announce({
        attempt,
        of: settings.attempts,
        delayMs,
        code: e.code,
        ...(e.ckr ? { ckr: e.ckr } : {}),
        doing: opts.doing(),
      });
      await (opts.sleep ?? wait)(delayMs);
    }
  }
}

/** One line for a person: what failed, what happens next. */
export function describeRetry(e: RetryEvent): string {
  const why = `error ${e.code}${e.ckr ? `, ${e.ckr}` : ''}`;
  if (e.code === ErrorCode.AUTHENTICATION_FAILED) {
    return `The login was lost while ${e.doing} (${why}); logging in again from the same PIN source and repeating.`;
  }
  return `HSM ${why} while ${e.doing}; retry ${e.attempt} of ${e.of} in ${e.delayMs} ms.`;
}
