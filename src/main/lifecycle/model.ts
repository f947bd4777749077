// Key families and their versions (docs/lifecycle.md): the names on the token, the states, and
// how an address such as `root@latest` or `root@3` is read.
import { createHash } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';

export const VERSION_STATES = [
  'primary',
  'enabled',
  'disabled',
  'destroy-scheduled',
  'destroyed',
] as const;
export type VersionState = (typeof VERSION_STATES)[number];

export interface VersionRecord {
  version: number;
  /** CKA_LABEL on the token: `FAMILY@vN`, or the plain label of an adopted version 1. */
  label: string;
  /** CKA_ID, lower-case hex. */
  id: string;
  type: string;
  class: 'private' | 'secret';
  spkiSha256: string | null;
  kcv: string | null;
  state: VersionState;
  createdAt: string;
  /** True for a plain key made before the family existed and taken in as version 1. */
  adopted: boolean;
  /** When it became primary, and when it stopped being primary. */
  primarySince: string | null;
  replacedAt: string | null;
  /** replacedAt + overlap_period: the end of its time as an enabled (decrypt/verify) version. */
  overlapEndsAt: string | null;
  disabledAt: string | null;
  destroyScheduledAt: string | null;
  destroyAfter: string | null;
  destroyedAt: string | null;
  /** Free-form metadata: rotation_reason, created_by, approved_by, token usage refusals… */
  metadata: Record<string, unknown>;
}

export interface FamilyRecord {
  name: string;
  versions: VersionRecord[];
}

export const FAMILY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The label of version n of a family. */
export const versionLabel = (family: string, n: number) => `${family}@v${n}`;

/**
 * CKA_ID of version n: 12 bytes of SHA-256 over the family name (shared by every version, so a
 * tool can find the family by prefix) and n as a 32-bit big-endian number.
 */
export function versionId(family: string, n: number): Uint8Array {
  const prefix = createHash('sha256').update(`olocus/lifecycle/family/v1:${family}`).digest();
  const id = Buffer.alloc(16);
  prefix.copy(id, 0, 0, 12);
  id.writeUInt32BE(n, 12);
  return new Uint8Array(id);
}

export type VersionSpec = { kind: 'latest' } | { kind: 'number'; n: number } | { kind: 'plain' };

export interface FamilyAddress {
  family: string;
  spec: VersionSpec;
}

/**
 * Reads an object label as a family address: `root@latest`, `root@3`, `root@v3`; anything
 * without `@` is a plain label (`{ kind: 'plain' }`, family = the label). A label with `@`
 * that does not fit is refused rather than treated as a plain label.
 */
export function parseFamilyLabel(label: string): FamilyAddress {
  const at = label.lastIndexOf('@');
  if (at < 0) return { family: label, spec: { kind: 'plain' } };
  const family = label.slice(0, at);
  const tail = label.slice(at + 1);
  if (!FAMILY_NAME.test(family))
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `"${family}" is not a key family name (1-64 letters, digits, ., _ or -).`,
    );
  if (tail === 'latest') return { family, spec: { kind: 'latest' } };
  const m = /^v?([1-9]\d{0,8})$/.exec(tail);
  if (!m)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `"${label}" names no version: write ${family}@latest, ${family}@3 or ${family}@v3.`,
    );
  return { family, spec: { kind: 'number', n: Number(m[1]) } };
}

export function describeVersion(v: VersionRecord): string {
  return `version ${v.version} ("${v.label}")`;
}

/** Versions a key may still be found on the token for. */
export const ON_TOKEN: ReadonlySet<VersionState> = new Set([
  'primary',
  'enabled',
  'disabled',
  'destroy-scheduled',
]);

/** Versions that may decrypt and verify. */
export const USABLE: ReadonlySet<VersionState> = new Set(['primary', 'enabled']);

export function primaryOf(f: FamilyRecord): VersionRecord | undefined {
  return f.versions.find((v) => v.state === 'primary');
}

export function versionOf(f: FamilyRecord, spec: VersionSpec): VersionRecord {
  const v =
    spec.kind === 'number'
      ? f.versions.find((x) => x.version === spec.n)
      : spec.kind === 'latest'
        ? primaryOf(f)
        : undefined;
  if (!v)
    throw new OlocusError(
      ErrorCode.KEY_NOT_FOUND,
      spec.kind === 'number'
        ? `Key family "${f.name}" has no version ${spec.n} (it has ${f.versions.map((x) => x.version).join(', ')}).`
        : `Key family "${f.name}" has no primary version.`,
    );
  return v;
}
