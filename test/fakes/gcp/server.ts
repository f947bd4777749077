// A loopback Cloud KMS: google.cloud.kms.v1.KeyManagementService over gRPC (the package's own
// protos), holding real keys. It signs for real, generates real import-job keys, and really
// unwraps what ImportCryptoKeyVersion is sent (see unwrap.ts). Errors carry the gRPC status
// codes Cloud KMS uses, with its message shape ("CryptoKey … not found.").
import { createPublicKey, generateKeyPair, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { crc32c } from '../../../src/main/hsm/gcp/crc32c';
import { ecdsaSignDigest, rsaPkcs1SignDigest } from './prehash-sign';
import { kmsServiceDefinition } from './protos';
import { FakeState, ts } from './state';
import type { Attestation, FakeCryptoKey, FakeVersion } from './state';
import { ALGORITHM_KEYS } from './unwrap';
import { createImportJob, importVersion, readImportJob } from './import-jobs';
import { RpcError, bad, checkCrc, checkRoutingHeader, notFound } from './rpc';
import type { Req } from './rpc';

const generate = promisify(generateKeyPair);
type Handler = (req: Req, md: grpc.Metadata) => Promise<unknown> | unknown;

const HASH_OF: Record<string, string | null> = {
  EC_SIGN_P256_SHA256: 'sha256',
  EC_SIGN_P384_SHA384: 'sha384',
  EC_SIGN_SECP256K1_SHA256: 'sha256',
  EC_SIGN_ED25519: null,
  RSA_SIGN_PKCS1_2048_SHA256: 'sha256',
  RSA_SIGN_PKCS1_3072_SHA256: 'sha256',
  RSA_SIGN_PKCS1_4096_SHA256: 'sha256',
};

export interface Faults {
  /** Answer with a signature CRC32C that does not match the signature. */
  badSignatureCrc32c?: boolean;
  /** Answer as if the digest CRC32C had not been checked. */
  skipInputCrc32c?: boolean;
  /** Answer with a PEM CRC32C that does not match the PEM. */
  badPemCrc32c?: boolean;
}

export class FakeKms {
  readonly state = new FakeState();
  readonly calls: { method: string; request: Req; metadata: Record<string, unknown> }[] = [];
  faults: Faults = {};
  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<FakeKms> {
    const server = new grpc.Server();
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? rej(e) : res(p),
      ),
    );
    const fake = new FakeKms(server, port);
    server.addService(kmsServiceDefinition(), fake.implementation());
    return fake;
  }

  async stop(): Promise<void> {
    await new Promise<void>((res) => this.server.tryShutdown(() => res()));
  }

  /** The private key the fake stored for a version (imported or generated). */
  privateKeyOf(versionName: string): KeyObject | null {
    return this.state.version(versionName)?.privateKey ?? null;
  }

  seedKeyRing(name: string): void {
    this.state.keyRings.set(name, new Date());
  }

  seedCryptoKey(name: string, o: { algorithm: string; protectionLevel?: string }): FakeCryptoKey {
    const key: FakeCryptoKey = {
      name,
      purpose: 'ASYMMETRIC_SIGN',
      protectionLevel: o.protectionLevel ?? 'HSM',
      algorithm: o.algorithm,
      importOnly: false,
      createTime: new Date(),
      versions: [],
    };
    this.state.cryptoKeys.set(name, key);
    return key;
  }

  /** A version whose public key and attestation a test supplies (e.g. a real Cloud HSM vector). */
  seedVersion(
    keyName: string,
    v: { publicKey: KeyObject; attestation?: Attestation; generateTime?: Date },
  ): string {
    const key = this.state.cryptoKeys.get(keyName);
    if (!key) throw new Error(`seed the key ${keyName} first`);
    return this.state.addVersion(key, {
      publicKey: v.publicKey,
      attestation: v.attestation ?? null,
      generateTime: v.generateTime ?? new Date(),
    }).name;
  }

  private implementation(): grpc.UntypedServiceImplementation {
    const handlers: Record<string, Handler> = {
      ListKeyRings: (r) => this.listKeyRings(r),
      GetKeyRing: (r) => this.keyRingOut(String(r.name)),
      CreateKeyRing: (r) => this.createKeyRing(r),
      ListCryptoKeys: (r) => this.listCryptoKeys(r),
      GetCryptoKey: (r) => this.cryptoKeyOut(this.cryptoKey(String(r.name))),
      CreateCryptoKey: (r) => this.createCryptoKey(r),
      ListCryptoKeyVersions: (r) => this.listVersions(r),
      GetCryptoKeyVersion: (r) => this.versionOut(this.readVersion(String(r.name))),
      DestroyCryptoKeyVersion: (r) => this.destroyVersion(r),
      UpdateCryptoKeyVersion: (r) => this.updateVersion(r),
      CreateCryptoKeyVersion: (r) => this.createVersion(r),
      UpdateCryptoKeyPrimaryVersion: (r) => this.updatePrimary(r),
      GetPublicKey: (r) => this.publicKey(r),
      AsymmetricSign: (r) => this.sign(r),
      CreateImportJob: (r) => createImportJob(this, r),
      GetImportJob: (r) => readImportJob(this, String(r.name)),
      ImportCryptoKeyVersion: (r) => importVersion(this, r),
    };
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [method, fn] of Object.entries(handlers)) {
      const key = method.charAt(0).toLowerCase() + method.slice(1);
      impl[key] = (call: grpc.ServerUnaryCall<Req, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        this.calls.push({ method, request: call.request, metadata: call.metadata.getMap() });
        Promise.resolve()
          .then(() => {
            checkRoutingHeader(call.request, call.metadata);
            return fn(call.request, call.metadata);
          })
          .then(
            (out) => cb(null, out),
            (e: unknown) =>
              e instanceof RpcError
                ? cb({ code: e.code, details: e.message })
                : cb({ code: grpc.status.INTERNAL, details: String(e) }),
          );
      };
    }
    return impl;
  }

  // Key rings and keys.

  private listKeyRings(r: Req) {
    const parent = String(r.parent);
    const keyRings = [...this.state.keyRings.keys()]
      .filter((n) => n.startsWith(`${parent}/keyRings/`))
      .map((n) => this.keyRingOut(n));
    return { keyRings, nextPageToken: '', totalSize: keyRings.length };
  }

  private keyRingOut(name: string) {
    const created = this.state.keyRings.get(name);
    if (!created) throw notFound('KeyRing', name);
    return { name, createTime: ts(created) };
  }

  private createKeyRing(r: Req) {
    const id = String(r.keyRingId);
    if (!/^[a-zA-Z0-9_-]{1,63}$/.test(id)) throw bad(`Invalid key_ring_id: ${id}.`);
    const name = `${String(r.parent)}/keyRings/${id}`;
    if (this.state.keyRings.has(name))
      throw new RpcError(grpc.status.ALREADY_EXISTS, `KeyRing ${name} already exists.`);
    this.state.keyRings.set(name, new Date());
    return this.keyRingOut(name);
  }

  cryptoKey(name: string): FakeCryptoKey {
    const key = this.state.cryptoKeys.get(name);
    if (!key) throw notFound('CryptoKey', name);
    return key;
  }

  private cryptoKeyOut(k: FakeCryptoKey) {
    return {
      name: k.name,
      purpose: k.purpose,
      createTime: ts(k.createTime),
      versionTemplate: { protectionLevel: k.protectionLevel, algorithm: k.algorithm },
      importOnly: k.importOnly,
      ...(k.primary ? { primary: this.versionOut(this.readVersion(k.primary)) } : {}),
    };
  }

  private listCryptoKeys(r: Req) {
    const parent = String(r.parent);
    if (!this.state.keyRings.has(parent)) throw notFound('KeyRing', parent);
    const cryptoKeys = [...this.state.cryptoKeys.values()]
      .filter((k) => k.name.startsWith(`${parent}/cryptoKeys/`))
      .map((k) => this.cryptoKeyOut(k));
    return { cryptoKeys, nextPageToken: '', totalSize: cryptoKeys.length };
  }

  private async createCryptoKey(r: Req) {
    const parent = String(r.parent);
    if (!this.state.keyRings.has(parent)) throw notFound('KeyRing', parent);
    const id = String(r.cryptoKeyId);
    if (!/^[a-zA-Z0-9_-]{1,63}$/.test(id)) throw bad(`Invalid crypto_key_id: ${id}.`);
    const name = `${parent}/cryptoKeys/${id}`;
    if (this.state.cryptoKeys.has(name))
      throw new RpcError(grpc.status.ALREADY_EXISTS, `CryptoKey ${name} already exists.`);
    const ck = (r.cryptoKey ?? {}) as Req;
    const template = (ck.versionTemplate ?? {}) as Req;
    const purpose = String(ck.purpose);
    const algorithm = String(template.algorithm);
    const level = String(template.protectionLevel);
    if (purpose === 'ASYMMETRIC_SIGN' ? !(algorithm in HASH_OF) : purpose !== 'ENCRYPT_DECRYPT')
      throw bad(`Algorithm ${algorithm} is not valid for purpose ${purpose}.`);
    if (purpose === 'ENCRYPT_DECRYPT' && algorithm !== 'GOOGLE_SYMMETRIC_ENCRYPTION')
      throw bad(`Algorithm ${algorithm} is not valid for purpose ENCRYPT_DECRYPT.`);
    if (level !== 'HSM' && level !== 'SOFTWARE')
      throw bad(`Protection level ${level} is not supported.`);
    const skip = r.skipInitialVersionCreation === true;
    if (ck.importOnly === true && !skip)
      throw bad('Import-only keys must be created with skip_initial_version_creation.');
    const key: FakeCryptoKey = {
      name,
      purpose,
      protectionLevel: level,
      algorithm,
      importOnly: ck.importOnly === true,
      createTime: new Date(),
      versions: [],
    };
    this.state.cryptoKeys.set(name, key);
    if (!skip) {
      if (purpose === 'ASYMMETRIC_SIGN') {
        const pair = await generateFor(algorithm);
        this.state.addVersion(key, pair);
      } else key.primary = this.state.addVersion(key, {}).name;
    }
    return this.cryptoKeyOut(key);
  }

  // Versions.

  private readVersion(name: string): FakeVersion {
    const v = this.state.version(name);
    if (!v) throw notFound('CryptoKeyVersion', name);
    if (v.pending) {
      // The import finishes between two reads, as it does asynchronously on Google's side.
      v.state = v.pending.state;
      v.importFailureReason = v.pending.reason;
      if (v.pending.key) {
        v.privateKey = v.pending.key;
        v.publicKey = createPublicKey(v.pending.key);
        v.importTime = new Date();
        v.generateTime = v.importTime;
      }
      v.pending = null;
    }
    return v;
  }

  versionOut(v: FakeVersion) {
    return {
      name: v.name,
      state: v.state,
      protectionLevel: v.protectionLevel,
      algorithm: v.algorithm,
      createTime: ts(v.createTime),
      generateTime: v.generateTime ? ts(v.generateTime) : null,
      importJob: v.importJob,
      importTime: v.importTime ? ts(v.importTime) : null,
      importFailureReason: v.importFailureReason,
      attestation: v.attestation,
      destroyTime: v.destroyTime ? ts(v.destroyTime) : null,
    };
  }

  private listVersions(r: Req) {
    const key = this.cryptoKey(String(r.parent));
    const cryptoKeyVersions = key.versions.map((v) => this.versionOut(this.readVersion(v.name)));
    return { cryptoKeyVersions, nextPageToken: '', totalSize: cryptoKeyVersions.length };
  }

  /** A new version of the key's algorithm (a real key pair for signing keys), ENABLED at once. */
  private async createVersion(r: Req) {
    const key = this.cryptoKey(String(r.parent));
    if (key.importOnly) throw bad(`${key.name} is import-only; versions come from import jobs.`);
    const v =
      key.purpose === 'ASYMMETRIC_SIGN'
        ? this.state.addVersion(key, await generateFor(key.algorithm))
        : this.state.addVersion(key, {});
    return this.versionOut(v);
  }

  private updatePrimary(r: Req) {
    const key = this.cryptoKey(String(r.name));
    if (key.purpose !== 'ENCRYPT_DECRYPT')
      throw bad(
        `${key.name} has purpose ${key.purpose}; only ENCRYPT_DECRYPT keys have a primary version.`,
      );
    key.primary = this.enabled(
      `${key.name}/cryptoKeyVersions/${String(r.cryptoKeyVersionId)}`,
    ).name;
    return this.cryptoKeyOut(key);
  }

  private destroyVersion(r: Req) {
    const v = this.readVersion(String(r.name));
    if (v.state === 'DESTROY_SCHEDULED' || v.state === 'DESTROYED')
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `${v.name} is not enabled or disabled, current state is: ${v.state}.`,
      );
    v.state = 'DESTROY_SCHEDULED';
    v.destroyTime = new Date(Date.now() + 30 * 86_400_000);
    return this.versionOut(v);
  }

  /** UpdateCryptoKeyVersion with update_mask "state": ENABLED <-> DISABLED only, as the API allows. */
  private updateVersion(r: Req) {
    const body = (r.cryptoKeyVersion ?? {}) as { name?: string; state?: string };
    const paths = ((r.updateMask ?? {}) as { paths?: string[] }).paths ?? [];
    if (paths.join(',') !== 'state') throw bad('The fake updates only the state of a version.');
    const v = this.readVersion(String(body.name));
    if (
      !['ENABLED', 'DISABLED'].includes(v.state) ||
      !['ENABLED', 'DISABLED'].includes(String(body.state))
    )
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `${v.name} cannot go from ${v.state} to ${String(body.state)}.`,
      );
    v.state = String(body.state);
    return this.versionOut(v);
  }

  private enabled(name: string): FakeVersion {
    const v = this.readVersion(name);
    if (v.state !== 'ENABLED')
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `${name} is not enabled, current state is: ${v.state}.`,
      );
    return v;
  }

  private publicKey(r: Req) {
    const v = this.enabled(String(r.name));
    if (!v.publicKey) throw bad(`${v.name} is not an asymmetric key version.`);
    const pem = String(v.publicKey.export({ type: 'spki', format: 'pem' }));
    const crc = (crc32c(pem) ^ (this.faults.badPemCrc32c ? 1 : 0)) >>> 0;
    return {
      pem,
      algorithm: v.algorithm,
      pemCrc32c: { value: String(crc) },
      name: v.name,
      protectionLevel: v.protectionLevel,
    };
  }

  private sign(r: Req) {
    const v = this.enabled(String(r.name));
    if (!v.privateKey)
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `${v.name} cannot sign here: the fake holds only the public key of a seeded version.`,
      );
    const hash = HASH_OF[v.algorithm];
    if (hash === undefined) throw bad(`${v.name} is not a signing key version.`);
    let signature: Buffer;
    let checked: boolean;
    if (hash === null) {
      const data = Buffer.from(r.data as Uint8Array);
      checked = checkCrc(data, r.dataCrc32c, 'data');
      signature = signEd25519(v.privateKey, data);
    } else {
      const digest = (r.digest ?? {}) as Record<string, Uint8Array | undefined>;
      const given = Object.entries(digest).find(([k, b]) => k !== 'digest' && b && b.length > 0);
      if (!given || given[0] !== hash)
        throw bad(`The digest must be ${hash.toUpperCase()} for algorithm ${v.algorithm}.`);
      const bytes = Buffer.from(given[1]!);
      checked = checkCrc(bytes, r.digestCrc32c, 'digest');
      signature = v.algorithm.startsWith('EC_')
        ? ecdsaSignDigest(v.privateKey, bytes)
        : rsaPkcs1SignDigest(v.privateKey, hash, bytes);
    }
    const crc = (crc32c(signature) ^ (this.faults.badSignatureCrc32c ? 1 : 0)) >>> 0;
    const confirmed = checked && !this.faults.skipInputCrc32c;
    return {
      signature,
      signatureCrc32c: { value: String(crc) },
      verifiedDigestCrc32c: hash !== null && confirmed,
      verifiedDataCrc32c: hash === null && confirmed,
      name: v.name,
      protectionLevel: v.protectionLevel,
    };
  }
}

async function generateFor(
  algorithm: string,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const want = ALGORITHM_KEYS[algorithm]!;
  if (want.type === 'ec') return generate('ec', { namedCurve: String(want.detail) });
  if (want.type === 'rsa') return generate('rsa', { modulusLength: Number(want.detail) });
  return generate('ed25519', {});
}

function signEd25519(key: KeyObject, data: Buffer): Buffer {
  return cryptoSign(null, data, key);
}
