// Token initialisation and secret-key import: what a ceremony does on a fresh token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { ErrorCode } from '../../src/shared/errors';
import { pin, SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
let module: Pkcs11Provider;

beforeAll(async () => {
  module = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE });
});
afterAll(() => module.close());

describe('token initialisation', () => {
  it('initialises the free slot, sets the user PIN as SO, and the token then works', async () => {
    const so = pin('so-secret-1234');
    const info = await module.initToken(so, 'ceremony-1');
    expect([...so].every((b) => b === 0)).toBe(true);
    expect(info).toMatchObject({ label: 'ceremony-1', initialized: true });
    const hsm = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: 'ceremony-1' },
    });
    try {
      await hsm.login(pin('so-secret-1234'), 'so');
      await hsm.initUserPin(pin('user-secret-1234'));
      await hsm.logout();
      await hsm.login(pin('user-secret-1234'));
      const { privateKey } = await hsm.generateKeyPair('ec-p384', { label: 'root' });
      expect(privateKey.provenance.local).toBe(true);
    } finally {
      await hsm.close();
    }
  });

  it('refuses to initialise a second token with a label that exists (it would be ambiguous, and never erases)', async () => {
    await expect(module.initToken(pin('x-so-pin-1234'), 'ceremony-1')).rejects.toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining('already exists'),
    });
  });

  it('refuses to re-initialise an initialised token named by slot, and its keys survive', async () => {
    const existing = (await module.listTokens()).find((t) => t.label === 'ceremony-1')!;
    await expect(
      module.initToken(pin('x-so-pin-1234'), 'other', { slotId: existing.slotId }),
    ).rejects.toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining('would erase its keys'),
    });
    const hsm = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: 'ceremony-1' },
    });
    try {
      await hsm.login(pin('user-secret-1234'));
      expect(await hsm.listKeys({ label: 'root' })).toHaveLength(2);
    } finally {
      await hsm.close();
    }
  });
});

describe('secret key import', () => {
  it('imports AES key bytes as a protected session key, zeroes them, and the key wraps', async () => {
    const hsm = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: 'ceremony-1' },
    });
    try {
      await hsm.login(pin('user-secret-1234'));
      const bytes = new Uint8Array(32).map((_, i) => i);
      const kek = await hsm.importSecretKey('aes-256', bytes, { label: 'imported-kek' });
      expect([...bytes].every((b) => b === 0)).toBe(true);
      expect(kek).toMatchObject({ class: 'secret', type: 'aes-256', token: false });
      expect(kek.provenance).toMatchObject({ sensitive: true, extractable: false, local: false });
      // KCV of AES-256 key 00 01 … 1f over a zero block, computed independently with node:crypto.
      const { createCipheriv } = await import('node:crypto');
      const c = createCipheriv(
        'aes-256-ecb',
        Buffer.from(new Uint8Array(32).map((_, i) => i)),
        null,
      ).setAutoPadding(false);
      expect(kek.kcv).toBe(c.update(Buffer.alloc(16)).subarray(0, 3).toString('hex'));
      await expect(
        hsm.importSecretKey('aes-256', new Uint8Array(16), { label: 'short' }),
      ).rejects.toMatchObject({ code: ErrorCode.INVALID_INPUT });
    } finally {
      await hsm.close();
    }
  });
});
