// A token whose operations are timed and whose failures are counted. It wraps any TokenProvider
// (the ordinary PKCS#11 one, a test's failing one, later a group) without touching hsm/: the
// monitor and the service hand the wrapper out instead of the provider. Recording is two
// in-memory updates after the operation settles, so it never delays or fails an operation.
import type { TokenProvider } from '../hsm/provider';
import type { HsmMetrics, Operation } from './metrics';
import type { SampleWindow } from './window';

/** Which methods are timed, under which `operation` label. */
export const TIMED: Readonly<Record<string, Operation>> = {
  sign: 'sign',
  verify: 'verify',
  generateKey: 'generate',
  generateKeyPair: 'generate',
  wrapKey: 'wrap',
  wrapUnderEphemeral: 'wrap',
  unwrapKey: 'unwrap',
  unwrapTransferred: 'unwrap',
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  login: 'login',
};

export interface Recorder {
  metrics: HsmMetrics;
  window?: SampleWindow;
}

export function instrumentProvider(
  provider: TokenProvider,
  token: string,
  { metrics, window }: Recorder,
): TokenProvider {
  const record = (op: Operation, start: number, error?: unknown) => {
    const seconds = (performance.now() - start) / 1000;
    metrics.record(token, op, seconds, error);
    window?.add(token, op, seconds, error !== undefined);
  };
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const op = typeof prop === 'string' ? TIMED[prop] : undefined;
      // Bound to the provider itself, so calls it makes internally are not counted twice.
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (!op) return fn;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          const out = await fn(...args);
          record(op, start);
          return out;
        } catch (e) {
          record(op, start, e);
          throw e;
        }
      };
    },
  });
}
