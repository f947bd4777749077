// The attested public key as a DER SubjectPublicKeyInfo, rebuilt from the attributes the HSM
// signed. The format carries no curve OID, only the point (in OBJ_ATTR_MODULUS), so the curve
// is the one of the right size on which the point actually lies: a 65-byte point could be
// P-256 or secp256k1, and node:crypto refuses a point that is not on the named curve.
import { createPublicKey } from 'node:crypto';
import { attrUint, objectKeyType, Tag } from './parse';
import type { MarvellObject } from './parse';

export interface AttestedPublicKey {
  spki: Uint8Array;
  /** e.g. "EC P-256" or "RSA 4096". */
  description: string;
}

const CURVES_BY_POINT_LENGTH: Record<number, string[]> = {
  65: ['P-256', 'secp256k1'],
  97: ['P-384'],
  133: ['P-521'],
};

export function attestedPublicKey(o: MarvellObject): AttestedPublicKey | null {
  const type = objectKeyType(o);
  const modulus = o.attributes.get(Tag.MODULUS);
  if (!modulus || modulus.length === 0) return null;
  if (type === 'RSA') {
    const exponent = o.attributes.get(Tag.PUBLIC_EXPONENT);
    if (!exponent) return null;
    const key = createPublicKey({
      key: { kty: 'RSA', n: b64u(stripZeros(modulus)), e: b64u(stripZeros(exponent)) },
      format: 'jwk',
    });
    const bits = attrUint(o, Tag.MODULUS_BITS) ?? modulus.length * 8;
    return { spki: der(key), description: `RSA ${bits}` };
  }
  if (type === 'EC') {
    if (modulus[0] !== 0x04) return null; // only uncompressed points are written by the HSM
    const half = (modulus.length - 1) / 2;
    for (const crv of CURVES_BY_POINT_LENGTH[modulus.length] ?? []) {
      try {
        const key = createPublicKey({
          key: {
            kty: 'EC',
            crv,
            x: b64u(modulus.subarray(1, 1 + half)),
            y: b64u(modulus.subarray(1 + half)),
          },
          format: 'jwk',
        });
        return { spki: der(key), description: `EC ${crv}` };
      } catch {
        // not on this curve; try the next one of the same size
      }
    }
  }
  return null;
}

const der = (key: ReturnType<typeof createPublicKey>) =>
  new Uint8Array(key.export({ type: 'spki', format: 'der' }));
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
