// The backoff of connection.retry_attempts: exponential, capped, with full jitter.
import { describe, expect, it } from 'vitest';
import { backoffDelay, describeRetry } from '../../src/main/hsm/pkcs11/retry';
import { Output } from '../../src/cli/output';

const settings = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelay', () => {
  it('doubles the ceiling each attempt up to maxDelayMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(settings, a, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('draws uniformly below the ceiling (full jitter)', () => {
    expect(backoffDelay(settings, 3, () => 0)).toBe(0);
    expect(backoffDelay(settings, 3, () => 0.5)).toBe(200);
    const seen = new Set(Array.from({ length: 200 }, () => backoffDelay(settings, 4)));
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].every((d) => d >= 0 && d <= 800)).toBe(true);
  });
});

describe('retries in the CLI output', () => {
  it('are one sentence each, and a retries list in the --json result', () => {
    const e = { attempt: 1, of: 3, delayMs: 120, code: 105, doing: 'signing with the key "k"' };
    expect(describeRetry(e)).toBe(
      'HSM error 105 while signing with the key "k"; retry 1 of 3 in 120 ms.',
    );
    let stdout = '';
    const out = new Output({ stdout: (t) => (stdout += t), stderr: () => undefined }, true);
    out.retries.push(e);
    out.result({ ok: true }, () => 'ok');
    expect(JSON.parse(stdout)).toEqual({ ok: true, retries: [e] });
  });
});
