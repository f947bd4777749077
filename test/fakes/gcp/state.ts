// What the fake Cloud KMS holds: key rings, keys, versions with REAL key pairs (node:crypto),
// import jobs with their real RSA keys, and the attestation a test gives a version.
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface Timestamp {
  seconds: string;
  nanos: number;
}

export function ts(d: Date): Timestamp {
  return { seconds: String(Math.floor(d.getTime() / 1000)), nanos: (d.getTime() % 1000) * 1e6 };
}

export interface Attestation {
  format: 'CAVIUM_V2_COMPRESSED' | 'CAVIUM_V1_COMPRESSED';
  content: Buffer;
  certChains: { caviumCerts: string[]; googleCardCerts: string[]; googlePartitionCerts: string[] };
}

export interface FakeVersion {
  name: string;
  state: string;
  protectionLevel: string;
  algorithm: string;
  createTime: Date;
  generateTime: Date | null;
  importJob: string;
  importTime: Date | null;
  importFailureReason: string;
  publicKey: KeyObject | null;
  /** Absent for a version seeded from someone else's attestation: the fake cannot sign there. */
  privateKey: KeyObject | null;
  attestation: Attestation | null;
  /** When a DESTROY_SCHEDULED version is destroyed (the key's destroy_scheduled_duration, 30 days). */
  destroyTime?: Date;
  /** The state the next read reveals (imports finish asynchronously on Google's side). */
  pending: { state: string; reason: string; key: KeyObject | null } | null;
}

export interface FakeCryptoKey {
  name: string;
  purpose: string;
  protectionLevel: string;
  algorithm: string;
  importOnly: boolean;
  createTime: Date;
  versions: FakeVersion[];
  /** ENCRYPT_DECRYPT keys: the version encryption uses (Cloud KMS sets the first on creation). */
  primary?: string;
}

export interface FakeImportJob {
  name: string;
  importMethod: string;
  protectionLevel: string;
  state: 'PENDING_GENERATION' | 'ACTIVE' | 'EXPIRED';
  createTime: Date;
  expireTime: Date;
  keys: { privateKey: KeyObject; publicKey: KeyObject } | null;
  generating: Promise<void> | null;
}

export class FakeState {
  readonly keyRings = new Map<string, Date>();
  readonly cryptoKeys = new Map<string, FakeCryptoKey>();
  readonly importJobs = new Map<string, FakeImportJob>();

  version(name: string): FakeVersion | null {
    const key = this.cryptoKeys.get(name.slice(0, name.lastIndexOf('/cryptoKeyVersions/')));
    return key?.versions.find((v) => v.name === name) ?? null;
  }

  addVersion(key: FakeCryptoKey, v: Partial<FakeVersion>): FakeVersion {
    const version: FakeVersion = {
      name: `${key.name}/cryptoKeyVersions/${key.versions.length + 1}`,
      state: 'ENABLED',
      protectionLevel: key.protectionLevel,
      algorithm: key.algorithm,
      createTime: new Date(),
      generateTime: new Date(),
      importJob: '',
      importTime: null,
      importFailureReason: '',
      publicKey: null,
      privateKey: null,
      attestation: null,
      pending: null,
      ...v,
    };
    key.versions.push(version);
    return version;
  }

  static randomId(): string {
    return randomBytes(4).toString('hex');
  }
}
