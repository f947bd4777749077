// Builds a DER SubjectPublicKeyInfo from the attributes a module returns, through node:crypto's
// JWK import, so that no ASN.1 is written by hand.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { KeySpec } from './keytypes';
import { coordinateBytes } from './keytypes';

/** CKA_EC_POINT is a DER OCTET STRING around the point; a few modules return the bare point. */
export function unwrapEcPoint(value: Uint8Array, spec: KeySpec): Uint8Array {
  const raw = spec.family === 'ed' ? 32 : 1 + 2 * coordinateBytes(spec);
  if (value.length === raw) return value;
  if (value[0] !== 0x04)
    throw new Error('CKA_EC_POINT is neither a bare point nor an OCTET STRING');
  let offset = 2;
  let len = value[1]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | value[2 + i]!;
    offset = 2 + n;
  }
  const point = value.subarray(offset, offset + len);
  if (point.length !== raw)
    throw new Error(`CKA_EC_POINT holds ${point.length} bytes, expected ${raw}`);
  return point;
}

export function publicKeyFromEcPoint(point: Uint8Array, spec: KeySpec): KeyObject {
  if (spec.family === 'ed') {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(point).toString('base64url') },
      format: 'jwk',
    });
  }
  if (point[0] !== 0x04) throw new Error('only uncompressed EC points are supported');
  const n = coordinateBytes(spec);
  const x = Buffer.from(point.subarray(1, 1 + n)).toString('base64url');
  const y = Buffer.from(point.subarray(1 + n)).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: spec.curve!, x, y }, format: 'jwk' });
}

export function publicKeyFromRsa(modulus: Uint8Array, exponent: Uint8Array): KeyObject {
  return createPublicKey({
    key: {
      kty: 'RSA',
      n: Buffer.from(modulus).toString('base64url'),
      e: Buffer.from(exponent).toString('base64url'),
    },
    format: 'jwk',
  });
}

export function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
