// Signing a digest the way Key Vault's sign operation does (the client hashes, the vault signs
// the digest). node:crypto only signs messages it hashes itself, so the fake signs digests here:
// ECDSA in BigInt arithmetic (RFC 6979 is not needed: a random nonce is as valid) and RSASSA
// PKCS#1 v1.5 through privateEncrypt with the DigestInfo prefix.
import { constants, privateEncrypt, publicDecrypt, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

interface Curve {
  p: bigint;
  a: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
  bytes: number;
}

const CURVES: Record<string, Curve> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bytes: 32,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bytes: 48,
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    a: (1n << 521n) - 4n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
    bytes: 66,
  },
};

type Point = [bigint, bigint] | null;

const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;

function inv(x: bigint, m: bigint): bigint {
  let [a, b, u, v] = [mod(x, m), m, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b] = [b, a - q * b];
    [u, v] = [v, u - q * v];
  }
  return mod(u, m);
}

function add(c: Curve, P: Point, Q: Point): Point {
  if (!P) return Q;
  if (!Q) return P;
  const [x1, y1] = P;
  const [x2, y2] = Q;
  if (x1 === x2 && mod(y1 + y2, c.p) === 0n) return null;
  const l =
    x1 === x2 && y1 === y2
      ? mod((3n * x1 * x1 + c.a) * inv(2n * y1, c.p), c.p)
      : mod((y2 - y1) * inv(x2 - x1, c.p), c.p);
  const x3 = mod(l * l - x1 - x2, c.p);
  return [x3, mod(l * (x1 - x3) - y1, c.p)];
}

function mul(c: Curve, k: bigint, P: Point): Point {
  let R: Point = null;
  let A = P;
  while (k > 0n) {
    if (k & 1n) R = add(c, R, A);
    A = add(c, A, A);
    k >>= 1n;
  }
  return R;
}

const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const toBytes = (x: bigint, len: number) =>
  Buffer.from(x.toString(16).padStart(len * 2, '0'), 'hex');

/** ECDSA over a digest; the signature is r||s, as Key Vault returns it. */
export function ecdsaSignDigest(key: KeyObject, digest: Uint8Array): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const c = CURVES[jwk.crv ?? ''];
  if (!c || !jwk.d) throw new Error(`fake: no ECDSA for ${jwk.crv}`);
  const d = toBig(Buffer.from(jwk.d, 'base64url'));
  const nBits = c.n.toString(2).length;
  let e = toBig(digest);
  if (digest.length * 8 > nBits) e >>= BigInt(digest.length * 8 - nBits);
  for (;;) {
    const k = mod(toBig(randomBytes(c.bytes + 8)), c.n - 1n) + 1n;
    const R = mul(c, k, [c.gx, c.gy]);
    if (!R) continue;
    const r = mod(R[0], c.n);
    const s = mod(inv(k, c.n) * (e + r * d), c.n);
    if (r !== 0n && s !== 0n) return Buffer.concat([toBytes(r, c.bytes), toBytes(s, c.bytes)]);
  }
}

const DIGEST_INFO: Record<number, string> = {
  32: '3031300d060960864801650304020105000420',
  48: '3041300d060960864801650304020205000430',
  64: '3051300d060960864801650304020305000440',
};

/** RSASSA-PKCS1-v1_5 over a digest (RS256/384/512). */
export function rsaPkcs1SignDigest(key: KeyObject, digest: Uint8Array): Buffer {
  const prefix = DIGEST_INFO[digest.length];
  if (!prefix) throw new Error('fake: digest length does not match RS256/384/512');
  return privateEncrypt(
    { key, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([Buffer.from(prefix, 'hex'), digest]),
  );
}

/** ECDSA verification of r||s over a digest. */
export function ecdsaVerifyDigest(pub: KeyObject, digest: Uint8Array, sig: Uint8Array): boolean {
  const jwk = pub.export({ format: 'jwk' });
  const c = CURVES[jwk.crv ?? ''];
  if (!c || !jwk.x || !jwk.y || sig.length !== 2 * c.bytes) return false;
  const r = toBig(sig.subarray(0, c.bytes));
  const s = toBig(sig.subarray(c.bytes));
  if (r <= 0n || r >= c.n || s <= 0n || s >= c.n) return false;
  const nBits = c.n.toString(2).length;
  let e = toBig(digest);
  if (digest.length * 8 > nBits) e >>= BigInt(digest.length * 8 - nBits);
  const w = inv(s, c.n);
  const Q: Point = [toBig(Buffer.from(jwk.x, 'base64url')), toBig(Buffer.from(jwk.y, 'base64url'))];
  const R = add(c, mul(c, mod(e * w, c.n), [c.gx, c.gy]), mul(c, mod(r * w, c.n), Q));
  return R !== null && mod(R[0], c.n) === r;
}

/** RSASSA-PKCS1-v1_5 verification over a digest. */
export function rsaPkcs1VerifyDigest(pub: KeyObject, digest: Uint8Array, sig: Uint8Array): boolean {
  const prefix = DIGEST_INFO[digest.length];
  if (!prefix) return false;
  try {
    const out = publicDecrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, sig);
    return out.equals(Buffer.concat([Buffer.from(prefix, 'hex'), digest]));
  } catch {
    return false;
  }
}
