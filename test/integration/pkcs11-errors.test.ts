// Every failure an officer can meet at the HSM gives the seed's code, the CKR name and a
// sentence that says what to do — and leaves the token as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11CallError } from '../../src/main/hsm/pkcs11/executor';
import { mapPkcs11Error } from '../../src/main/hsm/pkcs11/errors';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('errors', '246810');
let hsm: Pkcs11Provider;

beforeAll(async () => {
  hsm = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: token.label } });
});
afterAll(() => hsm.close());

describe('authentication', () => {
  it('a wrong PIN is 102 CKR_PIN_INCORRECT, and the right PIN still works afterwards', async () => {
    const err = await hsm.login(pin('000000')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OlocusError);
    expect(err).toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED, ckr: 'CKR_PIN_INCORRECT' });
    expect((err as OlocusError).describe()).toMatch(
      /^HSM error 102 \(authentication failed, CKR_PIN_INCORRECT\): The PIN was not accepted by token "errors"/,
    );
    expect((err as OlocusError).message).not.toContain('000000');
    await hsm.login(pin(token.userPin));
    await hsm.generateKeyPair('ec-p256', { label: 'after-login' });
    await hsm.logout();
  });

  it('the PIN buffer handed to login is zeroed, whatever the outcome', async () => {
    const good = pin(token.userPin);
    await hsm.login(good);
    expect([...good].every((b) => b === 0)).toBe(true);
    await hsm.logout();
    const bad = pin('999999');
    await hsm.login(bad).catch(() => undefined);
    expect([...bad].every((b) => b === 0)).toBe(true);
  });

  it('using a private key without logging in is 102 CKR_USER_NOT_LOGGED_IN', async () => {
    await expect(hsm.generateKeyPair('ec-p256', { label: 'no-login' })).rejects.toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
      ckr: 'CKR_USER_NOT_LOGGED_IN',
    });
  });

  it('a locked PIN is 102 CKR_PIN_LOCKED with what to do (SoftHSM never locks, so the module answer is fed in)', () => {
    // SoftHSM 2.6.1 counts no failures (measured: 12 wrong PINs, then the right one works), so
    // the answer a locking module gives is fed to the same mapping the provider uses.
    const e = mapPkcs11Error(
      new Pkcs11CallError('login', {
        message: 'CKR_PIN_LOCKED:164',
        ckr: 'CKR_PIN_LOCKED',
        rv: 164,
      }),
      'token "prod"',
      'logging in',
    );
    expect(e).toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED, ckr: 'CKR_PIN_LOCKED' });
    expect(e.message).toMatch(/locked .* Security Officer must unlock or reset it/);
  });
});

describe('connection and discovery', () => {
  it('a module that is not installed is 100 and names the path and what to install', async () => {
    const err = await Pkcs11Provider.open({
      modulePath: '/opt/vendor/lib/libmissing-pkcs11.so',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECTION_FAILED });
    expect((err as Error).message).toContain(
      '/opt/vendor/lib/libmissing-pkcs11.so could not be found',
    );
  });

  it('a file that is not a PKCS#11 module is 100', async () => {
    const err = await Pkcs11Provider.open({
      modulePath: '/usr/lib/x86_64-linux-gnu/libz.so.1',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECTION_FAILED });
  });

  it('a token that is not present is 103 and lists the tokens that are', async () => {
    const other = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: 'no-such-token' },
    });
    try {
      const err = await other.listKeys().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.TOKEN_NOT_FOUND });
      expect((err as Error).message).toMatch(
        /token "no-such-token" is not present .* Tokens present: "errors"/,
      );
    } finally {
      await other.close();
    }
  });
});

describe('mechanisms', () => {
  beforeAll(() => hsm.login(pin(token.userPin)));

  it('an OAEP hash the module does not implement is 104, and the key stays usable', async () => {
    await hsm.generateKeyPair('rsa-2048', { label: 'oaep', usage: ['encrypt'] });
    const err = await hsm
      .encrypt({ label: 'oaep' }, Buffer.from('x'), 'rsa-oaep-sha256')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      message: expect.stringContaining('does not implement rsa-oaep-sha256'),
    });
    expect((err as OlocusError).ckr).toMatch(/^CKR_(MECHANISM_PARAM_INVALID|ARGUMENTS_BAD)$/);
    // Without a stated hash the provider falls back to SHA-1 and says so.
    expect((await hsm.encrypt({ label: 'oaep' }, Buffer.from('x'))).algorithm).toBe(
      'rsa-oaep-sha1',
    );
    const { ciphertext } = await hsm.encrypt({ label: 'oaep' }, Buffer.from('x'), 'rsa-oaep-sha1');
    expect(
      Buffer.from(await hsm.decrypt({ label: 'oaep' }, ciphertext, 'rsa-oaep-sha1')).toString(),
    ).toBe('x');
  });

  it('a signing key used to encrypt is refused by its attributes (106)', async () => {
    await hsm.generateKeyPair('rsa-2048', { label: 'sign-only' });
    await expect(
      hsm.encrypt({ label: 'sign-only' }, Buffer.from('x'), 'rsa-oaep-sha1'),
    ).rejects.toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      ckr: 'CKR_KEY_FUNCTION_NOT_PERMITTED',
    });
  });

  it('a missing key is 101 and says which key', async () => {
    await expect(hsm.sign({ label: 'never-made' }, Buffer.from('x'))).rejects.toMatchObject({
      code: ErrorCode.KEY_NOT_FOUND,
      message: expect.stringContaining('label "never-made"'),
    });
  });
});

describe('one library, two paths', () => {
  it('a module reached through a symlink shares the loaded library instead of initialising it twice', async () => {
    const { realpathSync } = await import('node:fs');
    const real = realpathSync(SOFTHSM_MODULE);
    const other = real === SOFTHSM_MODULE ? null : real;
    if (!other) return; // only one path to SoftHSM on this machine: nothing to share
    const second = await Pkcs11Provider.open({ modulePath: other, token: { token: token.label } });
    try {
      expect((await second.listTokens()).map((t) => t.label)).toContain(token.label);
    } finally {
      await second.close();
    }
  });
});
