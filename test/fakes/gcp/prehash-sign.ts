// Signing a digest that arrives already made, as Cloud KMS does: node:crypto hashes for itself,
// so the fake computes ECDSA from its parts (k·G from node's ECDH, the rest in BigInt) and
// builds PKCS#1 v1.5 from the DigestInfo. A fake only: not constant-time.
import { constants, createECDH, privateEncrypt, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

const CURVES: Record<string, { ecdh: string; n: bigint; bytes: number }> = {
  prime256v1: {
    ecdh: 'prime256v1',
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    bytes: 32,
  },
  secp384r1: {
    ecdh: 'secp384r1',
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bytes: 48,
  },
  secp256k1: {
    ecdh: 'secp256k1',
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    bytes: 32,
  },
};

const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const bytesOf = (v: bigint, len: number) =>
  Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function derInt(v: bigint): Buffer {
  const hex = v.toString(16);
  let b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

export function ecdsaSignDigest(key: KeyObject, digest: Uint8Array): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (!curve || !jwk.d) throw new Error('not an EC private key on a curve the fake signs with');
  const d = big(Buffer.from(jwk.d, 'base64url'));
  const bits = curve.bytes * 8;
  let z = big(digest);
  if (digest.length * 8 > bits) z >>= BigInt(digest.length * 8 - bits);
  for (;;) {
    const k = (big(randomBytes(curve.bytes + 8)) % (curve.n - 1n)) + 1n;
    const ecdh = createECDH(curve.ecdh);
    ecdh.setPrivateKey(bytesOf(k, curve.bytes));
    const R = ecdh.getPublicKey();
    const r = big(R.subarray(1, 1 + curve.bytes)) % curve.n;
    if (r === 0n) continue;
    const s = (modPow(k, curve.n - 2n, curve.n) * ((z + r * d) % curve.n)) % curve.n;
    if (s === 0n) continue;
    const body = Buffer.concat([derInt(r), derInt(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}

export function rsaPkcs1SignDigest(key: KeyObject, hash: string, digest: Uint8Array): Buffer {
  const prefix = DIGEST_INFO[hash];
  if (!prefix) throw new Error(`no DigestInfo for ${hash}`);
  return privateEncrypt(
    { key, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([Buffer.from(prefix, 'hex'), digest]),
  );
}
