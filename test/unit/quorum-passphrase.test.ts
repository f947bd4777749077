import { describe, expect, it } from 'vitest';
import {
  QuorumError,
  checkShare,
  decodeShare,
  fromQrPayload,
  parseShareText,
  protectEnvelope,
  protectShare,
  toQrPayload,
  toShareText,
  unprotectEnvelope,
  unprotectShare,
} from '../../src/main/ceremony/quorum/index';
import { ErrorCode } from '../../src/shared/errors';
import { CEREMONY, KEK, rejection, split3of5, thrown } from '../fixtures/quorum/split';

const PASS = 'correct horse battery staple';

async function alice() {
  const { shares, commitments } = await split3of5();
  const share = shares[0];
  if (!share) throw new Error('no share');
  return { share, commitments };
}

describe('passphrase-protected shares (scrypt N=2^17 → AES-256-GCM)', () => {
  it('the right passphrase opens the share', async () => {
    const { share } = await alice();
    const sealed = await protectShare(share.share, PASS);
    // version 1, scrypt, log2 N = 17, r = 8, p = 1
    expect([...sealed.subarray(0, 5)]).toEqual([1, 1, 17, 8, 1]);
    expect(sealed.length).toBe(share.share.length + 5 + 16 + 12 + 16);
    expect(await unprotectShare(sealed, PASS, 'Alice Archer')).toEqual(share.share);
  });

  it('a wrong passphrase names the custodian and nothing else', async () => {
    const { share } = await alice();
    const sealed = await protectShare(share.share, PASS);
    const e = await rejection(
      unprotectShare(sealed, 'correct horse battery stapler', 'Alice Archer'),
    );
    expect(e.message).toBe("The passphrase for Alice Archer's share is wrong.");
    expect(e.code).toBe(ErrorCode.AUTHENTICATION_FAILED);
    expect(e.custodian).toBe('Alice Archer');
  });

  it('the same words in another Unicode form still open it (NFC)', async () => {
    const { share } = await alice();
    const sealed = await protectShare(share.share, 'cafe\u0301 au lait 42');
    expect(await unprotectShare(sealed, 'caf\u00e9 au lait 42', 'Alice Archer')).toEqual(
      share.share,
    );
  });

  it('refuses a short passphrase and an unknown format', async () => {
    const { share } = await alice();
    expect((await rejection(protectShare(share.share, 'short'))).message).toContain(
      'at least 8 characters',
    );
    const sealed = await protectShare(share.share, PASS);
    sealed[2] = 40; // N = 2^40: a crafted card must not make us allocate terabytes
    expect((await rejection(unprotectShare(sealed, PASS, 'Alice Archer'))).message).toContain(
      "Alice Archer's protected share is in a format this version of Olocus Ceremony cannot read.",
    );
  });

  it('a protected envelope still encodes as text and QR, marked protected', async () => {
    const { share, commitments } = await alice();
    const sealed = await protectEnvelope(share, PASS);
    expect(sealed.protected).toBe(true);
    const fromText = parseShareText(toShareText(sealed));
    const fromQr = fromQrPayload(toQrPayload(sealed));
    expect(fromText).toEqual(sealed);
    expect(fromQr).toEqual(sealed);
    expect(
      thrown(() => checkShare(fromText, { ceremonyId: CEREMONY, secretId: KEK, commitments }))
        .message,
    ).toBe(
      "Alice Archer's share is still protected by Alice Archer's passphrase; unlock it first.",
    );
    const opened = await unprotectEnvelope(fromText, PASS);
    expect(opened).toEqual(share);
    expect('protected' in opened).toBe(false);
    checkShare(opened, { ceremonyId: CEREMONY, secretId: KEK, commitments });
  });

  it('decodeShare asks for the passphrase only when the share is protected', async () => {
    const { share } = await alice();
    let asked = 0;
    const ask = async () => {
      asked++;
      return PASS;
    };
    expect(await decodeShare(toShareText(share), ask)).toEqual(share);
    expect(asked).toBe(0);
    const sealedText = toQrPayload(await protectEnvelope(share, PASS));
    expect(await decodeShare(sealedText, ask)).toEqual(share);
    expect(asked).toBe(1);
    const missing = await rejection(decodeShare(sealedText));
    expect(missing.message).toContain('protected by a passphrase; Alice Archer must enter it');
    const wrong = await rejection(decodeShare(sealedText, async () => 'not the passphrase'));
    expect(wrong).toBeInstanceOf(QuorumError);
    expect(wrong.message).toBe("The passphrase for Alice Archer's share is wrong.");
  });
});
