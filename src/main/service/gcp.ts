// The facade's Google Cloud KMS and Cloud HSM (key rings, keys, versions, signing, import jobs, attestations): CeremonyService exposes it as `service.gcp`.
// Every method takes `connect` (GcpConnectOptions): production leaves it empty (TLS to
// cloudkms.googleapis.com, Application Default Credentials, never stored); `endpoint` HOST:PORT
// redirects the client, in plaintext only for loopback hosts (see hsm/gcp/client.ts).
import type { AttestationVerdict } from '../attestation/index';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { fetchVersionAttestation } from '../hsm/gcp/attest';
import { gcpVersionVerdict } from '../attestation/gcp';
import type { GcpAttestOptions } from '../attestation/gcp';
import { withKms } from '../hsm/gcp/client';
import type { GcpConnectOptions } from '../hsm/gcp/client';
import { isImportMethod, IMPORT_METHODS } from '../hsm/gcp/import-job';
import type { ImportMethod } from '../hsm/gcp/import-job';
import {
  createCryptoKey,
  createKeyRing,
  getPublicKey,
  listCryptoKeys,
  listKeyRings,
  listVersions,
  signWithVersion,
  rotateCryptoKey,
  disableCryptoKeyVersion,
  getCryptoKey,
  scheduleVersionDestruction,
} from '../hsm/gcp/keys';
import { approveWithRunQuorum } from '../ceremony/quorum-approval';
import type { QuorumApproval } from '../ceremony/quorum-approval';
import type { CeremonyRoom } from '../ceremony/run/room';
import type { CreateKeyOptions } from '../hsm/gcp/keys';
import {
  cryptoKeyName,
  isSignAlgorithm,
  keyRingName,
  locationName,
  parseGcpAddress,
  parseKeyRingAddress,
  parseLocationAddress,
  versionName,
} from '../hsm/gcp/names';
import type { GcpCryptoKeyInfo, GcpKeyRingInfo, GcpKeyVersionInfo } from '../hsm/gcp/types';
import { keySelectorFromUri } from '../hsm/open';
import { importToCloudKms } from '../transfer/gcp-import';
import type { GcpImportResult } from '../transfer/gcp-import';
import type { TransferAudit } from '../transfer/types';
import type { Connections } from './connections';
import { parsePkcs11Address } from './connections';

export type { GcpConnectOptions, GcpImportResult };

const invalid = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

export interface GcpPublicKeyResult {
  address: string;
  algorithm: string;
  protectionLevel: string;
  /** DER SubjectPublicKeyInfo, base64. */
  spki: string;
  spkiSha256: string;
}

export interface GcpSignResult {
  address: string;
  algorithm: string;
  /** base64 (DER ECDSA or PKCS#1), as Cloud KMS returns it. */
  signature: string;
  integrity: { inputCrc32cVerifiedByKms: true; signatureCrc32cVerified: true };
  verifiedLocally: boolean;
}

export class GcpOperations {
  constructor(private readonly connections: Connections) {}

  /** The PKCS#11 connections the ceremony holds, for keys that cross between HSMs. */
  protected get pkcs11(): Connections {
    return this.connections;
  }

  /** Key rings of `gcpkms://projects/P/locations/L`. */
  async listKeyRings(location: string, connect: GcpConnectOptions = {}): Promise<GcpKeyRingInfo[]> {
    const name = locationName(parseLocationAddress(location));
    return withKms(connect, (kms) => listKeyRings(kms, name));
  }

  /** Keys of a ring with their versions: `gcpkms://projects/P/locations/L/keyRings/R`. */
  async listKeys(keyRing: string, connect: GcpConnectOptions = {}): Promise<GcpCryptoKeyInfo[]> {
    const ring = keyRingName(parseKeyRingAddress(keyRing));
    return withKms(connect, (kms) => listCryptoKeys(kms, ring));
  }

  async listVersions(key: string, connect: GcpConnectOptions = {}): Promise<GcpKeyVersionInfo[]> {
    const name = cryptoKeyName(parseGcpAddress(key));
    return withKms(connect, (kms) => listVersions(kms, name));
  }

  async createKeyRing(keyRing: string, connect: GcpConnectOptions = {}): Promise<GcpKeyRingInfo> {
    const ring = parseKeyRingAddress(keyRing);
    return withKms(connect, (kms) => createKeyRing(kms, locationName(ring), ring.keyRing));
  }

  /**
   * Rotates a Cloud KMS key: a new version from the key's template, made primary for
   * ENCRYPT_DECRYPT keys. An address naming a version older than the latest is refused.
   */
  async rotateKey(
    key: string,
    connect: GcpConnectOptions = {},
  ): Promise<{
    family: string;
    rotated: true;
    previous: GcpKeyVersionInfo | null;
    primary: GcpKeyVersionInfo;
    madePrimary: boolean;
  }> {
    const a = parseGcpAddress(key);
    const name = cryptoKeyName(a);
    return withKms(connect, async (kms) => {
      const before = await listVersions(kms, name);
      const latest = before.at(-1) ?? null;
      if (a.version && latest && latest.name !== versionName(a))
        throw invalid(
          `Version ${a.version} of ${a.cryptoKey} is not the latest (${latest.name.split('/').pop()}); only the latest version is rotated. Address the key without a version. Nothing was changed.`,
        );
      const r = await rotateCryptoKey(kms, name);
      return {
        family: a.cryptoKey,
        rotated: true as const,
        previous: latest,
        primary: r.version,
        madePrimary: r.madePrimary,
      };
    });
  }

  /** The version an address names, refused when retiring it would leave nothing usable. */
  private async retirable(
    kms: Parameters<Parameters<typeof withKms>[1]>[0],
    key: string,
    doing: 'disabled' | 'destroyed',
  ): Promise<{ family: string; name: string }> {
    const a = parseGcpAddress(key);
    if (!a.version)
      throw invalid(
        `Name the version to retire: ${key.replace(/\/$/, '')}/cryptoKeyVersions/N. Nothing was changed.`,
      );
    const name = versionName(a);
    const versions = await listVersions(kms, cryptoKeyName(a));
    const v = versions.find((x) => x.name === name);
    if (!v)
      throw new OlocusError(ErrorCode.KEY_NOT_FOUND, `${a.cryptoKey} has no version ${a.version}.`);
    const gone = ['DESTROY_SCHEDULED', 'DESTROYED'];
    if (gone.includes(v.state) || (doing === 'disabled' && v.state === 'DISABLED'))
      throw invalid(
        `Version ${a.version} of ${a.cryptoKey} is already ${v.state}. Nothing was changed.`,
      );
    const primary = (await getCryptoKey(kms, cryptoKeyName(a)))?.primary?.name;
    if (primary === name)
      throw invalid(
        `Version ${a.version} is the primary version of ${a.cryptoKey}; rotate first (keys rotate) so another version is primary. Nothing was changed.`,
      );
    if (v.state === 'ENABLED' && !versions.some((x) => x.name !== name && x.state === 'ENABLED'))
      throw invalid(
        `Version ${a.version} is the only enabled version of ${a.cryptoKey}; it cannot be ${doing}. Nothing was changed.`,
      );
    return { family: a.cryptoKey, name };
  }

  /** Disables a version (state DISABLED), as `keys disable` does for a PKCS#11 family. */
  async disableVersion(
    key: string,
    connect: GcpConnectOptions = {},
  ): Promise<{ family: string; version: GcpKeyVersionInfo }> {
    return withKms(connect, async (kms) => {
      const { family, name } = await this.retirable(kms, key, 'disabled');
      return { family, version: await disableCryptoKeyVersion(kms, name) };
    });
  }

  /**
   * Schedules a version's destruction (DESTROY_SCHEDULED; Cloud KMS destroys it after the key's
   * destroy_scheduled_duration) once the officers of the ceremony run `runDir` have proven a
   * quorum of their shares.
   */
  async scheduleDestroy(
    key: string,
    runDir: string,
    room: CeremonyRoom,
    connect: GcpConnectOptions = {},
  ): Promise<{
    family: string;
    version: GcpKeyVersionInfo;
    destroyTime: string | null;
    approval: QuorumApproval;
  }> {
    return withKms(connect, async (kms) => {
      const { family, name } = await this.retirable(kms, key, 'destroyed');
      const approval = await approveWithRunQuorum(runDir, room, {
        purpose: `destroying ${name.split('/').slice(-3).join('/')}`,
      });
      return { family, ...(await scheduleVersionDestruction(kms, name)), approval };
    });
  }

  /** Creates `gcpkms://…/cryptoKeys/K` (protection level HSM unless asked otherwise). */
  async createKey(
    key: string,
    options: CreateKeyOptions,
    connect: GcpConnectOptions = {},
  ): Promise<GcpCryptoKeyInfo> {
    const a = parseGcpAddress(key);
    if (a.version) throw invalid('A new key is named without a version (…/cryptoKeys/K).');
    if (options.algorithm !== undefined && !isSignAlgorithm(options.algorithm))
      throw invalid(`Unknown Cloud KMS signing algorithm ${String(options.algorithm)}.`);
    return withKms(connect, (kms) => createCryptoKey(kms, keyRingName(a), a.cryptoKey, options));
  }

  async publicKey(version: string, connect: GcpConnectOptions = {}): Promise<GcpPublicKeyResult> {
    const name = versionName(parseGcpAddress(version));
    const pk = await withKms(connect, (kms) => getPublicKey(kms, name));
    return {
      address: version,
      algorithm: pk.algorithm,
      protectionLevel: pk.protectionLevel,
      spki: Buffer.from(pk.spki).toString('base64'),
      spkiSha256: pk.spkiSha256,
    };
  }

  /** Signs with a version (digest made locally, CRC32C both ways, verified locally). */
  async sign(
    version: string,
    data: Uint8Array,
    connect: GcpConnectOptions = {},
  ): Promise<GcpSignResult> {
    const name = versionName(parseGcpAddress(version));
    const s = await withKms(connect, (kms) => signWithVersion(kms, name, data));
    return {
      address: version,
      algorithm: s.algorithm,
      signature: Buffer.from(s.signature).toString('base64'),
      integrity: s.integrity,
      verifiedLocally: s.verifiedLocally,
    };
  }

  /**
   * Imports a PKCS#11 private key (`from`, with pin-source) into the Cloud KMS key `to` through
   * an import job at protection level HSM, proven by public key and signature. The source key
   * stays where it is.
   */
  async importKey(
    from: string,
    to: string,
    options: { method?: string; importJob?: string; audit?: TransferAudit } = {},
    connect: GcpConnectOptions = {},
  ): Promise<GcpImportResult> {
    const uri = parsePkcs11Address(from);
    const target = parseGcpAddress(to);
    if (options.method !== undefined && !isImportMethod(options.method))
      throw invalid(`--import-method is one of ${Object.keys(IMPORT_METHODS).join(', ')}.`);
    if (options.importJob !== undefined && !/^[A-Za-z0-9_-]{1,63}$/.test(options.importJob))
      throw invalid('An import job id is 1 to 63 letters, digits, "-" or "_".');
    const sel = keySelectorFromUri(uri);
    if (sel.class === 'public' || sel.class === 'secret')
      throw invalid(
        `Cloud KMS import takes a private key; the --from URI names a ${sel.class} key.`,
      );
    if (sel.label === undefined && sel.id === undefined)
      throw invalid('The --from URI must name the key (object= or id=).');
    const { provider } = await this.connections.get(uri, 'always');
    return withKms(connect, (kms) =>
      importToCloudKms(provider, { ...sel, class: 'private' }, kms, target, {
        ...(options.method ? { method: options.method as ImportMethod } : {}),
        ...(options.importJob ? { importJob: options.importJob } : {}),
        ...(options.audit ? { audit: options.audit } : {}),
      }),
    );
  }

  /** The Marvell verdict of a Cloud HSM version's attestation, bound to its served public key. */
  async attest(
    version: string,
    options: GcpAttestOptions = {},
    connect: GcpConnectOptions = {},
  ): Promise<AttestationVerdict> {
    const name = versionName(parseGcpAddress(version));
    return withKms(connect, async (kms) =>
      gcpVersionVerdict(name, await fetchVersionAttestation(kms, name), options),
    );
  }
}
