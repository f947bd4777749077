import { describe, expect, it } from 'vitest';
import { ErrorCode, OlocusError } from '../../src/shared/errors';

describe('OlocusError', () => {
  it('describes itself with the code, its name and the CKR name', () => {
    const e = new OlocusError(ErrorCode.AUTHENTICATION_FAILED, 'The PIN is wrong.', {
      ckr: 'CKR_PIN_INCORRECT',
    });
    expect(e.describe()).toBe(
      'HSM error 102 (authentication failed, CKR_PIN_INCORRECT): The PIN is wrong.',
    );
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: 102,
      message: 'The PIN is wrong.',
      ckr: 'CKR_PIN_INCORRECT',
    });
  });
});
