// The .byok file format and the KEK public key as `byok export` and `byok import` read them.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildByokFile,
  parseByokFile,
  parseKekId,
  readKekPublicKey,
} from '../../src/main/transfer/byok-file';
import { OlocusError } from '../../src/shared/errors';

const KID = 'https://contoso.vault.azure.net/keys/KEKforBYOK/0123456789abcdef0123456789abcdef';
const pem = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) =>
  new Uint8Array(Buffer.from(key.export({ type: 'spki', format: 'pem' }).toString()));

function refusal(fn: () => unknown): OlocusError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OlocusError);
    return e as OlocusError;
  }
  throw new Error('expected a refusal');
}

describe('.byok file', () => {
  it("is Azure's documented JSON: schema_version, header kid/alg/enc, base64url ciphertext, generator", () => {
    const wrapped = new Uint8Array([0xfb, 0xff, 0x00, 0x3e, 0x3f, 1, 2, 3]);
    const text = buildByokFile(KID, wrapped, 'olocus-ceremony 9.9.9');
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(json).toEqual({
      schema_version: '1.0.0',
      header: { kid: KID, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
      ciphertext: Buffer.from(wrapped).toString('base64url'),
      generator: 'olocus-ceremony 9.9.9',
    });
    expect(json.ciphertext).not.toMatch(/[+/=]/);
    expect(parseByokFile(text, 'k.byok').header.kid).toBe(KID);
  });

  it.each([
    ['not JSON', 'hello', /not JSON/],
    ['another schema', JSON.stringify({ schema_version: '2.0.0' }), /schema_version/],
    [
      'another wrap',
      JSON.stringify({
        schema_version: '1.0.0',
        header: { kid: KID, alg: 'dir', enc: 'CKM_AES_KEY_WRAP_PAD' },
        ciphertext: 'AAAA',
      }),
      /header\.enc/,
    ],
    [
      'a kid without version',
      JSON.stringify({
        schema_version: '1.0.0',
        header: {
          kid: 'https://contoso.vault.azure.net/keys/KEK',
          alg: 'dir',
          enc: 'CKM_RSA_AES_KEY_WRAP',
        },
        ciphertext: 'AAAA',
      }),
      /header\.kid/,
    ],
    [
      'base64 instead of base64url',
      JSON.stringify({
        schema_version: '1.0.0',
        header: { kid: KID, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
        ciphertext: 'ab+/==',
      }),
      /ciphertext/,
    ],
  ])('refuses %s as bad input (108) naming the file', (_what, text, pattern) => {
    const e = refusal(() => parseByokFile(text, '/tmp/x.byok'));
    expect(e.code).toBe(108);
    expect(e.message).toMatch(/\/tmp\/x\.byok/);
    expect(e.message).toMatch(pattern);
  });
});

describe('KEK id and public key', () => {
  it('reads the vault, name and version from the kid', () => {
    expect(parseKekId(KID)).toEqual({
      kid: KID,
      vault: 'contoso.vault.azure.net',
      name: 'KEKforBYOK',
      version: '0123456789abcdef0123456789abcdef',
    });
    const e = refusal(() => parseKekId('https://contoso.vault.azure.net/keys/KEKforBYOK'));
    expect(e.code).toBe(108);
    expect(e.message).toMatch(/with its version/);
  });

  it.each([2048, 3072, 4096])('takes an RSA-%i public key as the KEK', (bits) => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    const kek = readKekPublicKey(pem(publicKey), 'kek.pem');
    expect(kek.type).toBe(`rsa-${bits}`);
    expect(Buffer.from(kek.spki).equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(
      true,
    );
  });

  it('refuses an EC key, an RSA-1024 key and a file with no key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(refusal(() => readKekPublicKey(pem(ec), 'ec.pem')).message).toMatch(
      /ec\.pem holds a ec public key; an Azure BYOK KEK is an RSA-HSM key/,
    );
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(refusal(() => readKekPublicKey(pem(small), 'small.pem')).message).toMatch(/RSA-1024/);
    const none = refusal(() => readKekPublicKey(new Uint8Array(Buffer.from('not a key')), 'n.pem'));
    expect(none.code).toBe(108);
    expect(none.message).toMatch(/holds no public key/);
  });
});
