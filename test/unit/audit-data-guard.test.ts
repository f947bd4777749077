import { describe, expect, it } from 'vitest';
import { assertAuditData, secretFieldReason } from '../../src/main/audit/data-guard';
import { ErrorCode, OlocusError } from '../../src/shared/errors';

function refusal(data: unknown): OlocusError {
  try {
    assertAuditData(data);
  } catch (e) {
    if (e instanceof OlocusError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('audit data guard', () => {
  it.each([
    'pin',
    'PIN',
    'user_pin',
    'soPin',
    'passphrase',
    'password',
    'adminPassword',
    'secret',
    'client_secret',
    'secretValue',
    'share',
    'shares',
    'custodianShare',
    'key_material',
    'wrappedKeyMaterial',
    'private',
    'private_key',
    'privateKey',
    'privateExponent',
  ])('refuses a field named %s', (name) => {
    expect(secretFieldReason(name)).not.toBeNull();
  });

  it.each([
    'pin_source',
    'share_count',
    'shares_required',
    'spin',
    'key_type',
    'spki_sha256',
    'custodian',
    'threshold',
    'public_key',
  ])('lets %s through', (name) => {
    expect(secretFieldReason(name)).toBeNull();
  });

  it('names the offending field, however deep, with a clear policy error', () => {
    const e = refusal({ step: { custodians: [{ name: 'alice', share: 'abcd' }] } });
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.message).toBe(
      'Refusing to write data.step.custodians[0].share to the audit ledger: its name ends in "share", and secrets (PINs, passphrases, shares, key material, private keys) must never be recorded.',
    );
    expect(refusal({ 'user-pin': '1234' }).message).toMatch(
      /^Refusing to write data\["user-pin"\]/,
    );
  });

  it('refuses raw bytes and values JSON cannot carry', () => {
    expect(refusal({ blob: Buffer.from('x') }).code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(refusal({ n: Number.NaN }).message).toMatch(/data\.n .*not a finite number/);
    expect(refusal({ when: new Date() }).code).toBe(ErrorCode.INVALID_INPUT);
    expect(refusal({ u: undefined }).message).toMatch(/undefined/);
    expect(refusal([1, 2]).message).toMatch(/must be an object/);
    expect(refusal({ s: 'a\ud800b' }).message).toMatch(/lone UTF-16 surrogate/);
  });

  it('accepts ordinary event data', () => {
    expect(() =>
      assertAuditData({
        label: 'root 𝄞',
        provenance: { local: true },
        list: [1, 'two', null],
        n: 3.5,
      }),
    ).not.toThrow();
  });
});
