// SP 800-57 comparable strengths and the rule a migration's wrap must satisfy.
import { describe, expect, it } from 'vitest';
import { checkWrapStrength, transportFor } from '../../src/main/transfer';
import { ErrorCode } from '../../src/shared/errors';

describe('checkWrapStrength', () => {
  it.each([
    ['aes-256', 'aes-128'],
    ['ec-p384', 'aes-128'],
    ['aes-256', 'rsa-2048'],
    ['ec-p384', 'rsa-2048'],
    ['ec-p256', 'rsa-2048'],
    ['ec-p384', 'rsa-3072'],
  ] as const)('refuses %s under %s (106), naming both strengths', (key, wrapping) => {
    expect(() => checkWrapStrength(key, wrapping, 'k')).toThrow(
      expect.objectContaining({
        code: ErrorCode.POLICY_VIOLATION,
        message: expect.stringMatching(/\(\d+ bits\).*\(\d+ bits\)/),
      }),
    );
  });

  it.each([
    ['ec-p256', 'aes-128', false],
    ['rsa-2048', 'rsa-2048', false],
    ['ec-p256', 'rsa-3072', false],
    ['aes-256', 'aes-256', false],
    ['ec-p384', 'rsa-4096', true],
    ['aes-256', 'rsa-4096', true],
  ] as const)('allows %s under %s (below the key: %s)', (key, wrapping, belowKey) => {
    expect(checkWrapStrength(key, wrapping, 'k').belowKey).toBe(belowKey);
  });

  it('chooses RSA-3072 for keys up to 128 bits and RSA-4096 above', () => {
    expect(transportFor(['ec-p256', 'rsa-2048'])).toBe('rsa-3072');
    expect(transportFor(['ec-p256', 'ec-p384'])).toBe('rsa-4096');
  });
});
