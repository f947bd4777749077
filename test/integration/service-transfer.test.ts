// The HSM, transfer and attestation screens over IPC, against two real SoftHSM tokens: key
// fingerprints arrive as hex and PGP words, health reports a live and a missing token, a key
// moves between the tokens proven and attested, and each refusal is a clear error that leaves
// both tokens as they were. Everything goes through the registered contract (fake ipcMain,
// real sender check, request and response schemas) and the real CeremonyService.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/shared/errors';
import { toPgpWords } from '../../src/main/audit/pgp-words';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';
import { ipcHarness } from '../helpers/ipc-harness';

// Tokens first: SoftHSM reads its configuration when the library is first opened.
const a = createToken('wizard-from', '445566');
const b = createToken('wizard-to', '778899');
const c = createToken('wizard-locked', '135790');
const work = mkdtempSync(join(tmpdir(), 'olocus-service-transfer-'));
const pinA = join(work, 'a.pin');
const pinB = join(work, 'b.pin');
writeFileSync(pinA, a.userPin, { mode: 0o600 });
writeFileSync(pinB, b.userPin, { mode: 0o600 });
const tokenA = `pkcs11:token=${a.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinA}`;
const tokenB = `pkcs11:token=${b.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinB}`;
const keyOn = (token: string, pinFile: string, label: string) =>
  `pkcs11:token=${token};object=${label};type=private?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const keyA = (label: string) => keyOn(a.label, pinA, label);
const keyB = (label: string) => keyOn(b.label, pinB, label);

const { service, problems, invoke, refusal } = ipcHarness();
const labelsOn = async (token: string) =>
  (await invoke('listKeys', { hsmUri: token })).keys.map((k) => `${k.class}:${k.label}`).sort();

afterAll(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});

describe('fingerprints as hex and PGP words', () => {
  it('generateKey answers the SPKI SHA-256 in words beside the hex, on the key and the result', async () => {
    const g = await invoke('generateKey', {
      hsmUri: tokenA,
      type: 'ec-p256',
      label: 'movable',
      extractable: true,
    });
    expect(g.fingerprint?.kind).toBe('spki-sha256');
    expect(g.key.spkiSha256).toBe(g.fingerprint?.value);
    const words = toPgpWords(g.key.spkiSha256!).join(' ');
    expect(g.spkiWords).toBe(words);
    expect(g.key.spkiWords).toBe(words);
    expect(words.split(' ')).toHaveLength(32);
  });

  it('a secret key has a KCV and no SPKI, so no words; listKeys words every public key', async () => {
    const g = await invoke('generateKey', { hsmUri: tokenA, type: 'aes-256', label: 'kek' });
    expect(g.fingerprint?.kind).toBe('kcv');
    expect(g.spkiWords).toBeNull();
    const { keys } = await invoke('listKeys', { hsmUri: tokenA });
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const k of keys) {
      expect(k.spkiWords).toBe(k.spkiSha256 ? toPgpWords(k.spkiSha256).join(' ') : null);
    }
    expect(keys.find((k) => k.label === 'kek')?.spkiWords).toBeNull();
  });
});

describe('hsmHealth', () => {
  it('reports a live token with its sessions', async () => {
    const h = await invoke('hsmHealth', { hsmUri: tokenA });
    expect(h.ok).toBe(true);
    expect(h.provider).toMatch(/SoftHSM/);
    expect(h.detail).toContain(a.label);
    expect(h.sessions?.max).toBeGreaterThan(0);
    expect(h.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Date.now() - Date.parse(h.checkedAt)).toBeLessThan(60_000);
  });

  it('a token that is not there is an unhealthy report naming it, not a crash', async () => {
    const h = await invoke('hsmHealth', {
      hsmUri: `pkcs11:token=no-such-token?module-path=${SOFTHSM_MODULE}`,
    });
    expect(h.ok).toBe(false);
    expect(h.sessions).toBeNull();
    expect(h.detail).toContain('no-such-token');
  });

  it('a module that does not exist is an unhealthy report naming its path', async () => {
    const h = await invoke('hsmHealth', {
      hsmUri: `pkcs11:token=x?module-path=${join(work, 'libnothing.so')}`,
    });
    expect(h.ok).toBe(false);
    expect(h.provider).toBe(join(work, 'libnothing.so'));
    expect(h.detail).toContain('libnothing.so');
  });

  it('something that is not a PKCS#11 URI is refused as invalid input', async () => {
    const e = await refusal('hsmHealth', { hsmUri: 'https://example.com/hsm' });
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
  });
});

describe('migrateKey and attestKey between two SoftHSM tokens', () => {
  it('moves a key to the other token, proven by SPKI and a signature', async () => {
    const r = await invoke('migrateKey', { fromUri: keyA('movable'), toUri: tokenB });
    expect(r).toMatchObject({
      label: 'movable',
      class: 'private',
      type: 'ec-p256',
      wrap: 'rsa-aes-kwp',
      sourceDestroyed: null,
      proof: { signatureVerified: true },
    });
    // SoftHSM does not show an EC private key's SPKI, so the proof is the signature (never a
    // mismatch); the public halves on both tokens are compared below.
    expect(r.proof.spkiMatch).not.toBe(false);
    expect(r.mechanisms.length).toBeGreaterThan(1);
    expect(r.target.spkiSha256).toBe(r.source.spkiSha256);
    expect(r.source.token).toContain(a.label);
    expect(r.target.token).toContain(b.label);
    expect(r.target.provenance).toMatchObject({ extractable: false, local: false });
    expect(await labelsOn(tokenB)).toContain('private:movable');
    expect(await labelsOn(tokenA)).toContain('private:movable'); // not destroyed: not asked to
  });

  it('the public half on the target has the source fingerprint, in hex and words', async () => {
    const pub = async (token: string) =>
      (await invoke('listKeys', { hsmUri: token })).keys.find(
        (k) => k.label === 'movable' && k.class === 'public',
      );
    const [from, to] = [await pub(tokenA), await pub(tokenB)];
    expect(to?.spkiSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(to?.spkiSha256).toBe(from?.spkiSha256);
    expect(to?.spkiWords).toBe(from?.spkiWords);
  });

  it('attests the generated key as generated here, and the moved copy truthfully as imported', async () => {
    const { keys } = await invoke('listKeys', { hsmUri: tokenB });
    const spki = keys.find((k) => k.label === 'movable' && k.class === 'public')?.spkiSha256;
    expect(spki).toMatch(/^[0-9a-f]{64}$/);

    const moved = await invoke('attestKey', { keyUri: keyB('movable'), expectedSpkiSha256: spki! });
    expect(moved.vendor).toMatch(/SoftHSM/);
    expect(moved.overall).toBe('fail');
    expect(moved.checks.find((c) => c.name === 'origin')).toMatchObject({ status: 'fail' });
    expect(moved.checks.find((c) => c.name === 'origin')?.evidence).toContain('imported');
    expect(moved.matchesCeremonyKey).toBe(true);

    const accepted = await invoke('attestKey', { keyUri: keyB('movable'), acceptImported: true });
    expect(accepted.overall).toBe('pass');

    await invoke('generateKey', { hsmUri: tokenA, type: 'ec-p384', label: 'stays' });
    const home = await invoke('attestKey', {
      keyUri: keyA('stays'),
      expectedSpkiSha256: spki!, // a different key's fingerprint
    });
    expect(home.checks.find((c) => c.name === 'origin')?.status).toBe('pass');
    expect(home.checks.find((c) => c.name === 'never-leaves')?.status).toBe('pass');
    expect(home.matchesCeremonyKey).toBe(false);
    expect(home.overall).toBe('fail');
  });

  it('refuses to move a key that is not extractable, and both tokens keep what they had', async () => {
    const before = { a: await labelsOn(tokenA), b: await labelsOn(tokenB) };
    const e = await refusal('migrateKey', { fromUri: keyA('stays'), toUri: tokenB });
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
    expect(e.message).toMatch(/not extractable/);
    expect(await labelsOn(tokenA)).toEqual(before.a);
    expect(await labelsOn(tokenB)).toEqual(before.b);
  });

  it('refuses a KEK wrap without the KEK label before touching either token', async () => {
    const before = await labelsOn(tokenB);
    const e = await refusal('migrateKey', {
      fromUri: keyA('movable'),
      toUri: tokenB,
      wrap: 'kwp',
    });
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toMatch(/kek/i);
    expect(await labelsOn(tokenB)).toEqual(before);
  });

  it('a key that does not exist is KEY_NOT_FOUND, naming it', async () => {
    const e = await refusal('migrateKey', { fromUri: keyA('no-such-key'), toUri: tokenB });
    expect(e.code).toBe(ErrorCode.KEY_NOT_FOUND);
    expect(e.message).toContain('no-such-key');
  });

  it('with the approvers named, the source is destroyed once the copy is proven', async () => {
    await invoke('generateKey', {
      hsmUri: tokenA,
      type: 'rsa-2048',
      label: 'retire',
      extractable: true,
    });
    const r = await invoke('migrateKey', {
      fromUri: keyA('retire'),
      toUri: tokenB,
      destroySource: ['Alice Archer', 'Bob Baker'],
    });
    expect(r.proof.signatureVerified).toBe(true);
    expect(r.sourceDestroyed).toEqual({ approvedBy: ['Alice Archer', 'Bob Baker'] });
    expect(await labelsOn(tokenA)).not.toContain('private:retire');
    expect(await labelsOn(tokenB)).toContain('private:retire');
  });

  it('a wrong PIN for the target is AUTHENTICATION_FAILED, echoes no PIN, and moves nothing', async () => {
    const wrongPin = join(work, 'c-wrong.pin');
    writeFileSync(wrongPin, '000000', { mode: 0o600 });
    const tokenC = `pkcs11:token=${c.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${wrongPin}`;
    const before = await labelsOn(tokenA);
    const e = await refusal('migrateKey', { fromUri: keyA('movable'), toUri: tokenC });
    expect(e.code).toBe(ErrorCode.AUTHENTICATION_FAILED);
    expect(e.ckr).toBe('CKR_PIN_INCORRECT');
    for (const secret of ['000000', c.userPin, a.userPin]) expect(e.message).not.toContain(secret);
    expect(await labelsOn(tokenA)).toEqual(before);
    expect(problems).toEqual([]);
  });
});
