// The Key Vault REST API as the fake speaks it: keys held as real node:crypto key objects, signed
// for real, and a BYOK import that really unwraps (RSA-OAEP-SHA1 under the KEK's private key,
// then AES key wrap with padding) before it stores anything.
import {
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
  constants,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  ecdsaSignDigest,
  ecdsaVerifyDigest,
  rsaPkcs1SignDigest,
  rsaPkcs1VerifyDigest,
} from './digest-sign';

export interface StoredKey {
  name: string;
  version: string;
  kty: string;
  keyOps: string[];
  privateKey: KeyObject;
  /** How the key got here: created in the vault or imported from a .byok file. */
  origin: 'generated' | 'byok';
  created: number;
  /** Off after updateKeyProperties enabled=false: every operation is then refused. */
  enabled?: boolean;
}

export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64u = (s: unknown, what: string): Buffer => {
  if (typeof s !== 'string') throw new VaultError(400, 'BadParameter', `${what} is missing.`);
  return Buffer.from(s, 'base64url');
};

const CURVE_OF: Record<string, string> = { 'P-256': 'P-256', 'P-384': 'P-384', 'P-521': 'P-521' };
const HASH_OF: Record<string, string> = {
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
};

export class FakeVault {
  private readonly keys = new Map<string, StoredKey[]>();
  /** Key names whose every request answers 403, and names that answer 429. */
  readonly forbidden = new Set<string>();
  readonly throttled = new Set<string>();
  /** When set, the vault refuses every token (as for a token from another tenant). */
  refuseTokens = false;
  /** The .byok files the vault was given, as parsed JSON, for tests to inspect. */
  readonly byokSeen: unknown[] = [];
  /**
   * What a Managed HSM answers to getKeyAttestation. The fake has no LiquidSecurity card, so a
   * test hands it a real Marvell attestation (about some other key) and its certificate chain.
   */
  attestationBlob: { attestation: Uint8Array; chainPem: string } | null = null;

  constructor(
    readonly host: string,
    readonly managedHsm: boolean,
  ) {}

  latest(name: string): StoredKey | undefined {
    const all = this.keys.get(name);
    return all?.[all.length - 1];
  }

  private find(name: string, version?: string): StoredKey {
    const all = this.keys.get(name);
    const k = version ? all?.find((v) => v.version === version) : all?.[all.length - 1];
    if (!k)
      throw new VaultError(
        404,
        'KeyNotFound',
        `A key with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault.`,
      );
    return k;
  }

  private store(k: Omit<StoredKey, 'version' | 'created'>): StoredKey {
    const stored = { ...k, version: randomBytes(16).toString('hex'), created: Date.now() };
    const all = this.keys.get(k.name) ?? [];
    all.push(stored);
    this.keys.set(k.name, all);
    return stored;
  }

  kid(k: StoredKey): string {
    return `https://${this.host}/keys/${k.name}/${k.version}`;
  }

  bundle(k: StoredKey): Record<string, unknown> {
    const jwk = createPublicKey(k.privateKey).export({ format: 'jwk' }) as Record<string, string>;
    const t = Math.floor(k.created / 1000);
    return {
      key: { ...jwk, kid: this.kid(k), kty: k.kty, key_ops: k.keyOps },
      attributes: {
        enabled: k.enabled !== false,
        created: t,
        updated: t,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
        exportable: false,
      },
      tags: {},
    };
  }

  list(): Record<string, unknown> {
    return {
      value: [...this.keys.values()].map((all) => {
        const k = all[all.length - 1]!;
        const b = this.bundle(k);
        return { kid: `https://${this.host}/keys/${k.name}`, attributes: b.attributes, tags: {} };
      }),
      nextLink: null,
    };
  }

  create(name: string, body: Record<string, unknown>): Record<string, unknown> {
    const kty = String(body.kty);
    const keyOps = Array.isArray(body.key_ops) ? body.key_ops.map(String) : ['sign', 'verify'];
    if (kty === 'RSA-HSM' || kty === 'RSA') {
      const size = Number(body.key_size ?? 2048);
      if (![2048, 3072, 4096].includes(size))
        throw new VaultError(400, 'BadParameter', `Invalid key size ${size}.`);
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: size });
      return this.bundle(this.store({ name, kty, keyOps, privateKey, origin: 'generated' }));
    }
    if (kty === 'EC-HSM' || kty === 'EC') {
      const crv = CURVE_OF[String(body.crv)];
      if (!crv) throw new VaultError(400, 'BadParameter', `Invalid curve ${String(body.crv)}.`);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: crv });
      return this.bundle(this.store({ name, kty, keyOps, privateKey, origin: 'generated' }));
    }
    if (kty === 'oct-HSM' && !this.managedHsm)
      throw new VaultError(400, 'BadParameter', 'oct-HSM keys are only supported by Managed HSM.');
    throw new VaultError(400, 'BadParameter', `The fake does not create ${kty} keys.`);
  }

  /** rotateKey: a new current version of the same type, size or curve and operations. */
  rotate(name: string): Record<string, unknown> {
    const k = this.find(name);
    const d = k.privateKey.asymmetricKeyDetails ?? {};
    const { privateKey } =
      k.privateKey.asymmetricKeyType === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: d.modulusLength ?? 2048 })
        : generateKeyPairSync('ec', { namedCurve: d.namedCurve ?? 'prime256v1' });
    return this.bundle(
      this.store({ name, kty: k.kty, keyOps: k.keyOps, privateKey, origin: 'generated' }),
    );
  }

  /** BYOK: unwraps key_hsm under the named KEK and stores what comes out, or refuses. */
  importKey(name: string, body: Record<string, unknown>): Record<string, unknown> {
    const key = (body.key ?? {}) as Record<string, unknown>;
    const kty = String(key.kty);
    if (!kty.endsWith('-HSM') || typeof key.key_hsm !== 'string')
      throw new VaultError(400, 'BadParameter', 'BYOK keys must be imported as HSM keys.');
    const byok = JSON.parse(unb64u(key.key_hsm, 'key.key_hsm').toString('utf8')) as {
      schema_version?: string;
      header?: { kid?: string; alg?: string; enc?: string };
      ciphertext?: string;
    };
    this.byokSeen.push(byok);
    if (
      byok.schema_version !== '1.0.0' ||
      byok.header?.alg !== 'dir' ||
      byok.header.enc !== 'CKM_RSA_AES_KEY_WRAP'
    )
      throw new VaultError(400, 'BadParameter', 'Unsupported BYOK header.');
    const kekUrl = new URL(String(byok.header.kid));
    const [, , kekName, kekVersion] = kekUrl.pathname.split('/');
    if (kekUrl.host !== this.host)
      throw new VaultError(400, 'BadParameter', 'The KEK must be in the vault the key goes to.');
    const kek = this.find(kekName!, kekVersion);
    if (!kek.keyOps.includes('import'))
      throw new VaultError(400, 'BadParameter', 'The KEK does not allow the import operation.');
    const blob = unb64u(byok.ciphertext, 'ciphertext');
    const oaepBytes =
      (createPublicKey(kek.privateKey).asymmetricKeyDetails?.modulusLength ?? 0) / 8;
    let pkcs8: Buffer;
    try {
      const aes = privateDecrypt(
        { key: kek.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        blob.subarray(0, oaepBytes),
      );
      try {
        const d = createDecipheriv('id-aes256-wrap-pad', aes, Buffer.from('a65959a6', 'hex'));
        pkcs8 = Buffer.concat([d.update(blob.subarray(oaepBytes)), d.final()]);
      } finally {
        aes.fill(0);
      }
    } catch {
      throw new VaultError(
        400,
        'BadParameter',
        'The BYOK blob could not be unwrapped with the key exchange key.',
      );
    }
    const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    pkcs8.fill(0);
    const type = privateKey.asymmetricKeyType;
    if ((kty === 'RSA-HSM' && type !== 'rsa') || (kty === 'EC-HSM' && type !== 'ec'))
      throw new VaultError(400, 'BadParameter', `The wrapped key is ${type}, not ${kty}.`);
    if (kty === 'EC-HSM') this.checkCurve(privateKey, String(key.crv));
    const keyOps = Array.isArray(key.key_ops) ? key.key_ops.map(String) : ['sign', 'verify'];
    return this.bundle(this.store({ name, kty, keyOps, privateKey, origin: 'byok' }));
  }

  private checkCurve(privateKey: KeyObject, crv: string): void {
    const jwk = privateKey.export({ format: 'jwk' });
    if (jwk.crv !== crv)
      throw new VaultError(400, 'BadParameter', `The wrapped key is on ${jwk.crv}, not ${crv}.`);
  }

  get(name: string, version?: string): Record<string, unknown> {
    return this.bundle(this.find(name, version));
  }

  /** Keys deleted with soft delete: recoverable until their purge date. */
  private readonly deleted = new Map<string, { all: StoredKey[]; deletedOn: number }>();

  /** PATCH /keys/NAME/VERSION: only attributes.enabled is honoured by the fake. */
  update(name: string, version: string, body: Record<string, unknown>): Record<string, unknown> {
    const k = this.find(name, version);
    const enabled = (body.attributes as { enabled?: unknown } | undefined)?.enabled;
    if (typeof enabled === 'boolean') k.enabled = enabled;
    return this.bundle(k);
  }

  /** DELETE /keys/NAME: the key and all its versions go to the deleted keys, purged in 90 days. */
  delete(name: string): Record<string, unknown> {
    const all = this.keys.get(name);
    if (!all) this.find(name);
    this.keys.delete(name);
    this.deleted.set(name, { all: all!, deletedOn: Date.now() });
    return this.deletedBundle(name)!;
  }

  deletedBundle(name: string): Record<string, unknown> | null {
    const d = this.deleted.get(name);
    if (!d) return null;
    const t = Math.floor(d.deletedOn / 1000);
    return {
      ...this.bundle(d.all[d.all.length - 1]!),
      recoveryId: `https://${this.host}/deletedkeys/${name}`,
      deletedDate: t,
      scheduledPurgeDate: t + 90 * 86_400,
    };
  }

  isDeleted(name: string): boolean {
    return this.deleted.has(name);
  }

  sign(name: string, version: string, body: Record<string, unknown>): Record<string, unknown> {
    const k = this.find(name, version);
    if (k.enabled === false)
      throw new VaultError(403, 'Forbidden', 'Operation sign is not allowed on a disabled key.');
    if (!k.keyOps.includes('sign'))
      throw new VaultError(403, 'Forbidden', 'Operation sign is not allowed on this key.');
    const alg = String(body.alg);
    const digest = unb64u(body.value, 'value');
    const hash = HASH_OF[alg];
    if (!hash) throw new VaultError(400, 'BadParameter', `The fake does not sign with ${alg}.`);
    if (createHash(hash).digest().length !== digest.length)
      throw new VaultError(400, 'BadParameter', `The digest is not a ${hash} digest.`);
    const sig = alg.startsWith('ES')
      ? ecdsaSignDigest(k.privateKey, digest)
      : rsaPkcs1SignDigest(k.privateKey, digest);
    return { kid: this.kid(k), value: b64u(sig) };
  }

  verify(name: string, version: string, body: Record<string, unknown>): Record<string, unknown> {
    const k = this.find(name, version);
    const alg = String(body.alg);
    const digest = unb64u(body.digest, 'digest');
    const sig = unb64u(body.value, 'value');
    const pub = createPublicKey(k.privateKey);
    if (!HASH_OF[alg])
      throw new VaultError(400, 'BadParameter', `The fake does not verify ${alg}.`);
    return {
      value: alg.startsWith('ES')
        ? ecdsaVerifyDigest(pub, digest, sig)
        : rsaPkcs1VerifyDigest(pub, digest, sig),
    };
  }

  attestation(name: string, version?: string): Record<string, unknown> {
    const k = this.find(name, version);
    if (!this.managedHsm)
      throw new VaultError(
        400,
        'BadParameter',
        'Key attestation is only available for keys in Azure Key Vault Managed HSM.',
      );
    const bundle = this.bundle(k);
    if (this.attestationBlob)
      (bundle.attributes as Record<string, unknown>).attestation = {
        privateKeyAttestation: b64u(this.attestationBlob.attestation),
        certificatePemFile: b64u(Buffer.from(this.attestationBlob.chainPem)),
        version: '1.0.0',
      };
    return bundle;
  }
}
