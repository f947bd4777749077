// Hostile PKCS#11 URIs: repeated attributes, broken percent-encoding and overlong text are each
// refused with one sentence that never echoes more than a line of what was given.
import { describe, expect, it } from 'vitest';
import { MAX_PKCS11_URI_LENGTH, parsePkcs11Uri } from '../../src/main/hsm/uri';
import { parseKeyAddress } from '../../src/main/hsm/key-address';
import { ErrorCode, OlocusError } from '../../src/shared/errors';

function refused(text: string): string {
  const t = Date.now();
  let caught: unknown;
  try {
    parsePkcs11Uri(text);
  } catch (e) {
    caught = e;
  }
  expect(Date.now() - t).toBeLessThan(500);
  expect(caught).toBeInstanceOf(OlocusError);
  expect((caught as OlocusError).code).toBe(ErrorCode.INVALID_INPUT);
  const message = (caught as OlocusError).message;
  expect(message.length).toBeLessThan(300);
  return message;
}

describe('hostile PKCS#11 URIs', () => {
  it('refuses an attribute repeated, even thousands of times, naming it once', () => {
    expect(refused('pkcs11:token=a;token=b')).toBe(
      'The PKCS#11 URI attribute token is given more than once.',
    );
    expect(refused(`pkcs11:${Array(400).fill('object=k').join(';')}`)).toMatch(
      /object is given more than once/,
    );
    expect(refused('pkcs11:token=a?pin-source=file:/a&pin-source=env:B')).toMatch(
      /pin-source is given more than once/,
    );
    expect(refused('pkcs11:x-a=1;x-a=2')).toMatch(/x-a is given more than once/);
  });

  it('refuses broken percent-encoding without echoing the value', () => {
    for (const bad of ['%', '%4', '%zz', '%%41', 'abc%']) {
      const m = refused(`pkcs11:token=${bad}?pin-value=123456`);
      expect(m).toBe(
        'The PKCS#11 URI attribute token has a "%" not followed by two hexadecimal digits.',
      );
    }
    expect(refused('pkcs11:token=%ff%fe')).toMatch(/not valid UTF-8/);
    expect(refused('pkcs11:pin-value=%4')).not.toContain('%4');
  });

  it(`refuses a URI longer than ${MAX_PKCS11_URI_LENGTH} characters before reading it`, () => {
    for (const text of [
      `pkcs11:token=${'a'.repeat(10 * 1024 * 1024)}`,
      `pkcs11:${'n'.repeat(MAX_PKCS11_URI_LENGTH)}=1`,
      `pkcs11:${'%41'.repeat(2000)}`,
    ]) {
      expect(refused(text)).toBe(
        `The PKCS#11 URI is ${text.length} characters long, more than the ${MAX_PKCS11_URI_LENGTH} any token address needs; it was not read.`,
      );
    }
    expect(() => parseKeyAddress(`pkcs11:object=${'a'.repeat(100_000)}`)).toThrow(/not read/);
  });

  it('shows at most 40 characters of an overlong attribute name', () => {
    const m = refused(`pkcs11:${'N'.repeat(3000)}.=1`);
    expect(m).toBe(
      `The PKCS#11 URI attribute name "${'N'.repeat(40)}…" may contain only letters, digits, "-" and "_".`,
    );
  });

  it('still reads an honest URI near the limit', () => {
    const uri = parsePkcs11Uri(
      `pkcs11:token=t;object=${'o'.repeat(3000)}?module-path=/usr/lib/softhsm/libsofthsm2.so`,
    );
    expect(uri.object).toHaveLength(3000);
  });
});
