// The Yubico extensions of a YubiHSM 2 attestation certificate (OID arc 1.3.6.1.4.1.41482.4),
// as the device writes them: firmware version (OCTET STRING, 3 bytes), device serial (INTEGER),
// origin (BIT STRING), domains (BIT STRING, 16 bits), capabilities (BIT STRING, 64 bits,
// big-endian), object id (INTEGER), label (UTF8String).
import * as asn1js from 'asn1js';
import type { Certificate } from '../x509-links';

const ARC = '1.3.6.1.4.1.41482.4';
export const YUBICO_OIDS = {
  firmware: `${ARC}.1`,
  serial: `${ARC}.2`,
  origin: `${ARC}.3`,
  domains: `${ARC}.4`,
  capabilities: `${ARC}.5`,
  objectId: `${ARC}.6`,
  label: `${ARC}.9`,
} as const;

/** Origin bits (YubiHSM 2 object origin). */
export const ORIGIN = { generated: 0x01, imported: 0x02, importedWrapped: 0x10 } as const;

/** Capability bits that let a key leave the device (wrapped). */
export const EXPORT_CAPABILITIES = {
  'exportable-under-wrap': 16n,
} as const;

export interface YubicoClaims {
  firmware: string | null;
  serial: string | null;
  origin: number | null;
  domains: number[] | null;
  capabilities: bigint | null;
  objectId: number | null;
  label: string | null;
}

function inner(cert: Certificate, oid: string): asn1js.AsnType | null {
  const ext = cert.getExtension(oid);
  if (!ext) return null;
  const parsed = asn1js.fromBER(new Uint8Array(ext.value));
  if (parsed.offset === -1) throw new Error(`extension ${oid} is not DER`);
  return parsed.result;
}

function bits(node: asn1js.AsnType | null, oid: string): Uint8Array | null {
  if (!node) return null;
  if (!(node instanceof asn1js.BitString)) throw new Error(`extension ${oid} is not a BIT STRING`);
  return new Uint8Array(node.valueBlock.valueHexView);
}

function integer(node: asn1js.AsnType | null, oid: string): bigint | null {
  if (!node) return null;
  if (!(node instanceof asn1js.Integer)) throw new Error(`extension ${oid} is not an INTEGER`);
  return node.toBigInt();
}

/** Reads the claims; throws with the extension's OID when one is not encoded as Yubico does. */
export function yubicoClaims(cert: Certificate): YubicoClaims {
  const fw = inner(cert, YUBICO_OIDS.firmware);
  if (fw && !(fw instanceof asn1js.OctetString)) {
    throw new Error(`extension ${YUBICO_OIDS.firmware} is not an OCTET STRING`);
  }
  const serial = integer(inner(cert, YUBICO_OIDS.serial), YUBICO_OIDS.serial);
  const origin = bits(inner(cert, YUBICO_OIDS.origin), YUBICO_OIDS.origin);
  const domains = bits(inner(cert, YUBICO_OIDS.domains), YUBICO_OIDS.domains);
  const caps = bits(inner(cert, YUBICO_OIDS.capabilities), YUBICO_OIDS.capabilities);
  const objectId = integer(inner(cert, YUBICO_OIDS.objectId), YUBICO_OIDS.objectId);
  const labelNode = inner(cert, YUBICO_OIDS.label);
  if (labelNode && !(labelNode instanceof asn1js.Utf8String)) {
    throw new Error(`extension ${YUBICO_OIDS.label} is not a UTF8String`);
  }
  let domainList: number[] | null = null;
  if (domains) {
    const mask = domains.reduce((a, b) => (a << 8) | b, 0);
    domainList = Array.from({ length: 16 }, (_, i) => i + 1).filter((d) => mask & (1 << (d - 1)));
  }
  return {
    firmware: fw
      ? [...new Uint8Array((fw as asn1js.OctetString).valueBlock.valueHexView)].join('.')
      : null,
    serial: serial === null ? null : serial.toString(),
    origin: origin ? (origin[0] ?? 0) : null,
    domains: domainList,
    capabilities: caps ? caps.reduce((a, b) => (a << 8n) | BigInt(b), 0n) : null,
    objectId: objectId === null ? null : Number(objectId),
    label: labelNode ? (labelNode as asn1js.Utf8String).getValue() : null,
  };
}

export function originWords(origin: number): string[] {
  const words: string[] = [];
  if (origin & ORIGIN.generated) words.push('generated');
  if (origin & ORIGIN.imported) words.push('imported');
  if (origin & ORIGIN.importedWrapped) words.push('imported-wrapped');
  return words.length ? words : ['unknown'];
}
