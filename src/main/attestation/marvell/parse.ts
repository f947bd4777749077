// Reader for the LiquidSecurity key attestation (the decompressed CAVIUM_V2 payload), written
// from the layout @peculiar/attestation-marvell reads and checked against it in the tests. We
// keep our own reader because the library's read() refuses secret keys and guesses P-256 for
// every 65-byte EC point, and because a verdict wants every length checked, not trusted:
//
//   response header  responseCode, requestFlags, totalSize, bufferSize        (4 × u32 BE)
//   object handles   per object: 0, handle                                    (2 × u32 BE)
//   info header      objectVersion, requestFlags, offsetFirst, offsetSecond   (4 × u16 BE)
//   objects          handle, attributeCount, objectSize, then attributes (tag u32, len u32, value)
//   signature        the last 256 bytes: RSA PKCS#1 v1.5 SHA-256 by the partition key over
//                    every byte before it
//
// For a key pair the first object is the public key and the second the private key.

export const SIGNATURE_SIZE = 256;

/** The OBJ_ATTR_* tags we read; they carry the PKCS#11 CKA_* numbers. */
export const Tag = {
  CLASS: 0x000,
  TOKEN: 0x001,
  LABEL: 0x003,
  KEY_TYPE: 0x100,
  ID: 0x102,
  SENSITIVE: 0x103,
  MODULUS: 0x120,
  MODULUS_BITS: 0x121,
  PUBLIC_EXPONENT: 0x122,
  VALUE_LEN: 0x161,
  EXTRACTABLE: 0x162,
  LOCAL: 0x163,
  NEVER_EXTRACTABLE: 0x164,
  ALWAYS_SENSITIVE: 0x165,
  KCV: 0x173,
  /** Extended KCV: for RSA and EC keys, SHA-256 of the DER SubjectPublicKeyInfo. */
  EKCV: 0x1003,
} as const;

const CLASSES: Record<number, string> = { 2: 'public', 3: 'private', 4: 'secret' };
const KEY_TYPES: Record<number, string> = {
  0x00: 'RSA',
  0x03: 'EC',
  0x10: 'GENERIC_SECRET',
  0x1f: 'AES',
};

export interface MarvellObject {
  handle: number;
  /** Raw attribute values by tag, as the HSM signed them. */
  attributes: Map<number, Uint8Array>;
}

export interface MarvellAttestation {
  responseCode: number;
  requestFlags: number;
  objectVersion: number;
  objects: MarvellObject[];
  signedData: Uint8Array;
  signature: Uint8Array;
}

export class MarvellFormatError extends Error {}

class Reader {
  constructor(
    private readonly view: DataView,
    public pos = 0,
  ) {}
  need(n: number, what: string): void {
    if (this.pos + n > this.view.byteLength)
      throw new MarvellFormatError(`${what} runs past the end of the attestation`);
  }
  u16(what: string): number {
    this.need(2, what);
    this.pos += 2;
    return this.view.getUint16(this.pos - 2);
  }
  u32(what: string): number {
    this.need(4, what);
    this.pos += 4;
    return this.view.getUint32(this.pos - 4);
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    this.pos += n;
    return new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos - n, n);
  }
}

export function parseMarvellAttestation(data: Uint8Array): MarvellAttestation {
  if (data.length < 16 + 8 + SIGNATURE_SIZE)
    throw new MarvellFormatError(`attestation is only ${data.length} bytes`);
  const r = new Reader(new DataView(data.buffer, data.byteOffset, data.byteLength));
  const responseCode = r.u32('response code');
  const requestFlags = r.u32('request flags');
  const totalSize = r.u32('total size');
  const bufferSize = r.u32('buffer size');
  if (totalSize !== data.length)
    throw new MarvellFormatError(
      `header says ${totalSize} bytes, the attestation has ${data.length}`,
    );
  const infoAt = data.length - SIGNATURE_SIZE - bufferSize;
  if (infoAt < 16 || (infoAt - 16) % 8 !== 0)
    throw new MarvellFormatError(`buffer size ${bufferSize} does not fit the attestation`);
  const handles: number[] = [];
  while (r.pos < infoAt) {
    r.u32('handle list');
    handles.push(r.u32('handle list'));
  }
  const objectVersion = r.u16('object version');
  r.u16('info flags');
  const offsets = [r.u16('first object offset'), r.u16('second object offset')].filter(
    (o) => o !== 0,
  );
  if (offsets.length !== handles.length)
    throw new MarvellFormatError(
      `${handles.length} handles listed but ${offsets.length} objects present`,
    );
  const objects = offsets.map((offset, i) => {
    const end = i + 1 < offsets.length ? offsets[i + 1]! : bufferSize;
    const object = readObject(r, infoAt + offset, infoAt + end);
    if (object.handle !== handles[i])
      throw new MarvellFormatError(
        `object ${i + 1} has handle ${object.handle}, the list says ${handles[i]}`,
      );
    return object;
  });
  return {
    responseCode,
    requestFlags,
    objectVersion,
    objects,
    signedData: data.subarray(0, data.length - SIGNATURE_SIZE),
    signature: data.subarray(data.length - SIGNATURE_SIZE),
  };
}

function readObject(r: Reader, start: number, end: number): MarvellObject {
  r.pos = start;
  const handle = r.u32('object handle');
  const count = r.u32('attribute count');
  const size = r.u32('object size');
  if (r.pos + size !== end)
    throw new MarvellFormatError(
      `object ${handle} claims ${size} bytes of attributes, its slot holds ${end - r.pos}`,
    );
  const attributes = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const tag = r.u32('attribute tag');
    const len = r.u32('attribute length');
    if (r.pos + len > end)
      throw new MarvellFormatError(`attribute 0x${tag.toString(16)} overruns object ${handle}`);
    if (attributes.has(tag))
      throw new MarvellFormatError(`attribute 0x${tag.toString(16)} appears twice`);
    attributes.set(tag, r.bytes(len, 'attribute value'));
  }
  if (r.pos !== end)
    throw new MarvellFormatError(`object ${handle} has ${end - r.pos} bytes after its attributes`);
  return { handle, attributes };
}

export function attrBool(o: MarvellObject, tag: number): boolean | null {
  const v = o.attributes.get(tag);
  return v && v.length > 0 ? v.some((b) => b !== 0) : null;
}

export function attrUint(o: MarvellObject, tag: number): number | null {
  const v = o.attributes.get(tag);
  if (!v || v.length === 0 || v.length > 4) return null;
  return v.reduce((n, b) => n * 256 + b, 0);
}

export function attrText(o: MarvellObject, tag: number): string | null {
  const v = o.attributes.get(tag);
  if (!v) return null;
  const nul = v.indexOf(0);
  return Buffer.from(nul < 0 ? v : v.subarray(0, nul)).toString('utf8');
}

export function objectClass(o: MarvellObject): string | null {
  const n = attrUint(o, Tag.CLASS);
  return n === null ? null : (CLASSES[n] ?? `class 0x${n.toString(16)}`);
}

export function objectKeyType(o: MarvellObject): string | null {
  const n = attrUint(o, Tag.KEY_TYPE);
  return n === null ? null : (KEY_TYPES[n] ?? `key type 0x${n.toString(16)}`);
}
