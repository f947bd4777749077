// The SDK's protobuf objects as this tool's plain results.
import type { protos } from '@google-cloud/kms';
import { addressOf } from './names';
import type { GcpCryptoKeyInfo, GcpKeyRingInfo, GcpKeyVersionInfo } from './types';

export type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

export function isoOf(t: Timestamp): string | null {
  if (!t || t.seconds === undefined || t.seconds === null) return null;
  const ms = Number(String(t.seconds)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

/** The SDK decodes enums as names; a number (older decoders) is kept as its text. */
export function nameOf(v: unknown): string {
  return v === null || v === undefined ? 'UNSPECIFIED' : String(v);
}

export function keyRingInfo(r: protos.google.cloud.kms.v1.IKeyRing): GcpKeyRingInfo {
  const name = r.name ?? '';
  return { address: `gcpkms://${name}`, name, createTime: isoOf(r.createTime as Timestamp) };
}

export function versionInfo(v: protos.google.cloud.kms.v1.ICryptoKeyVersion): GcpKeyVersionInfo {
  const name = v.name ?? '';
  return {
    address: addressOf(name),
    name,
    state: nameOf(v.state),
    protectionLevel: nameOf(v.protectionLevel),
    algorithm: nameOf(v.algorithm),
    createTime: isoOf(v.createTime as Timestamp),
    generateTime: isoOf(v.generateTime as Timestamp),
    importJob: v.importJob || null,
    importFailureReason: v.importFailureReason || null,
    hasAttestation: !!v.attestation?.content && v.attestation.content.length > 0,
  };
}

export function cryptoKeyInfo(
  k: protos.google.cloud.kms.v1.ICryptoKey,
  versions: GcpKeyVersionInfo[],
): GcpCryptoKeyInfo {
  const name = k.name ?? '';
  return {
    address: addressOf(name),
    name,
    purpose: nameOf(k.purpose),
    protectionLevel: nameOf(k.versionTemplate?.protectionLevel),
    algorithm: nameOf(k.versionTemplate?.algorithm),
    importOnly: k.importOnly === true,
    primary: k.primary?.name ? addressOf(k.primary.name) : null,
    versions,
  };
}

/** protobufjs bytes fields arrive as Uint8Array (or base64 text with some decoder options). */
export function bytesOf(v: Uint8Array | string | null | undefined): Uint8Array {
  if (!v) return new Uint8Array();
  return typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : new Uint8Array(v);
}
