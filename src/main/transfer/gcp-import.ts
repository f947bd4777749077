// A PKCS#11 key into Cloud HSM through an import job: the job's RSA public key goes onto the
// source token as a transient session object, the token wraps the key inside itself
// (CKM_RSA_AES_KEY_WRAP format: OAEP of an ephemeral AES-256 key || KWP of the key's PKCS#8),
// Cloud KMS unwraps it into a new version, and the version is proven to be the source key (same
// public key, and a Cloud KMS signature that the source's public key accepts). The source key is
// never touched beyond being wrapped; a refused or failed import leaves it as it was.
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import type { KeyManagementServiceClient } from '@google-cloud/kms';
import { ErrorCode, OlocusError } from '../../shared/errors';
import {
  IMPORT_METHODS,
  activeImportJob,
  destroyVersion,
  existingJobMethod,
  importWrappedVersion,
  methodFor,
} from '../hsm/gcp/import-job';
import type { ActiveImportJob, ImportMethod, WaitOptions } from '../hsm/gcp/import-job';
import {
  createCryptoKey,
  getCryptoKey,
  getPublicKey,
  signWithVersion,
  verifyKmsSignature,
} from '../hsm/gcp/keys';
import { cryptoKeyName, keyRingName } from '../hsm/gcp/names';
import type { GcpAddress } from '../hsm/gcp/names';
import type { GcpKeyVersionInfo } from '../hsm/gcp/types';
import type { TokenProvider } from '../hsm/provider';
import type { KeySelector } from '../hsm/types';
import { planGcpImport } from './gcp-import-plan';
import type { GcpImportPlan } from './gcp-import-plan';
import { NATIVE_NOTE } from './rsa-aes';
import { describeSide } from './sides';
import type { Side } from './sides';
import { TransferLog } from './events';
import type { OaepHash, TransferAudit } from './types';

export interface GcpImportOptions {
  /** Where the ledger events go (key.imported_to_cloud, key.migration_refused / _failed). */
  audit?: TransferAudit;
  method?: ImportMethod;
  /** An import job id in the target's key ring to use (created if absent). */
  importJob?: string;
  wait?: WaitOptions;
}

export interface GcpImportResult {
  source: { token: string; uri: string; label: string; type: string; spkiSha256: string };
  target: GcpKeyVersionInfo & { cryptoKeyCreated: boolean; spkiSha256: string };
  importJob: {
    name: string;
    method: ImportMethod;
    protectionLevel: string;
    reused: boolean;
    spkiSha256: string;
    expireTime: string | null;
  };
  oaepHash: OaepHash;
  oaepNote: string;
  mechanisms: string[];
  nativeRsaAes: { source: boolean; used: false; note: string };
  strength: { keyBits: number; wrapBits: number; belowKey: boolean };
  proof: { method: 'spki+signature'; spkiMatch: boolean; signatureVerified: boolean };
  sourceDestroyed: false;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const canonical = (spki: Uint8Array) =>
  new Uint8Array(
    createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
      type: 'spki',
      format: 'der',
    }),
  );

/** The target key: created import-only for this algorithm, or an existing HSM signing key. */
async function ensureCryptoKey(
  kms: KeyManagementServiceClient,
  name: string,
  plan: GcpImportPlan,
): Promise<boolean> {
  const existing = await getCryptoKey(kms, name);
  if (existing) {
    const purpose = String(existing.purpose ?? '');
    const level = String(existing.versionTemplate?.protectionLevel ?? '');
    if (purpose !== 'ASYMMETRIC_SIGN' || level !== 'HSM')
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `The Cloud KMS key ${name} is ${purpose} with protection level ${level}; a signing key is imported only into an ASYMMETRIC_SIGN key at protection level HSM.`,
      );
    return false;
  }
  const parent = name.slice(0, name.lastIndexOf('/cryptoKeys/'));
  const cryptoKeyId = name.slice(name.lastIndexOf('/') + 1);
  await createCryptoKey(kms, parent, cryptoKeyId, {
    purpose: 'ASYMMETRIC_SIGN',
    algorithm: plan.algorithm,
    protectionLevel: 'HSM',
    importOnly: true,
  });
  return true;
}

/** Wraps the key on the source under the job's public key, imported there for this call only. */
async function wrapOnSource(
  source: Side,
  sel: KeySelector,
  job: ActiveImportJob,
): Promise<Uint8Array> {
  const label = `olocus-gcp-import-${randomBytes(6).toString('hex')}`;
  await source.provider.importPublicKey(job.spki, { label, token: false, usage: ['wrap'] });
  try {
    return await source.lock.shared(() =>
      source.provider.wrapUnderEphemeral(
        { label, class: 'public' },
        sel,
        `rsa-oaep-${IMPORT_METHODS[job.method].hash}`,
      ),
    );
  } finally {
    await source.provider.destroyKey({ label, class: 'public' }).catch(() => 0);
  }
}

function sha256Refused(e: unknown): e is OlocusError {
  return (
    e instanceof OlocusError &&
    e.code === ErrorCode.MECHANISM_UNSUPPORTED &&
    e.message.includes('rsa-oaep-sha256')
  );
}

/**
 * Imports the private key `sel` of `sourceHsm` into the Cloud KMS key `to` (created import-only
 * at protection level HSM if absent) and proves the new version before returning it.
 */
export async function importToCloudKms(
  sourceHsm: TokenProvider,
  sel: KeySelector,
  kms: KeyManagementServiceClient,
  to: GcpAddress,
  options: GcpImportOptions = {},
): Promise<GcpImportResult> {
  const log = new TransferLog(options.audit);
  const stage: Stage = { planned: false, source: 'the source token' };
  try {
    const r = await importOne(sourceHsm, sel, kms, to, options, stage);
    await log.event('key.imported_to_cloud', eventOf(r));
    return r;
  } catch (e) {
    await log
      .problem(
        stage.planned ? 'failed' : 'refused',
        { label: sel.label ?? '', source: stage.source, target: `gcpkms://${cryptoKeyName(to)}` },
        e,
      )
      .catch(() => undefined);
    throw e;
  }
}

interface Stage {
  /** Past the checks: Google-side objects may exist from here on. */
  planned: boolean;
  source: string;
}

/** Only public facts: labels, fingerprints, mechanism and method names, strengths, outcome. */
function eventOf(r: GcpImportResult): Record<string, unknown> {
  return {
    label: r.source.label,
    type: r.source.type,
    wrap: 'rsa-aes-kwp',
    mechanisms: r.mechanisms,
    import_method: r.importJob.method,
    import_job: r.importJob.name,
    import_job_spki_sha256: r.importJob.spkiSha256,
    oaep_hash: r.oaepHash,
    oaep_note: r.oaepNote,
    strength_bits: {
      key: r.strength.keyBits,
      wrap: r.strength.wrapBits,
      below_key: r.strength.belowKey,
    },
    source: { token: r.source.token, uri: r.source.uri, spki_sha256: r.source.spkiSha256 },
    target: {
      uri: r.target.address,
      protection_level: r.target.protectionLevel,
      algorithm: r.target.algorithm,
      spki_sha256: r.target.spkiSha256,
    },
    proof: {
      method: r.proof.method,
      spki_match: r.proof.spkiMatch,
      signature_verified: r.proof.signatureVerified,
    },
    outcome: 'verified',
  };
}

async function importOne(
  sourceHsm: TokenProvider,
  sel: KeySelector,
  kms: KeyManagementServiceClient,
  to: GcpAddress,
  options: GcpImportOptions,
  stage: Stage,
): Promise<GcpImportResult> {
  if (to.version)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'Import into a Cloud KMS key, not into a version: --to ends with /cryptoKeys/K (the version is made by the import).',
    );
  const source = await describeSide(sourceHsm, 'source');
  stage.source = source.name;
  const read = await source.lock.shared(() =>
    sourceHsm.describeWithPublicKey({ ...sel, class: sel.class ?? 'private' }),
  );
  const ring = keyRingName(to);
  // A named job that exists already fixes the method, unless the caller fixed another.
  const jobMethod =
    options.importJob && !options.method
      ? await existingJobMethod(kms, ring, options.importJob)
      : null;
  const plan = planGcpImport(
    source,
    read.info,
    read.spki,
    options.method ?? jobMethod ?? undefined,
    jobMethod ? `the existing import job ${options.importJob} uses it` : undefined,
  );
  const sourceSpki = canonical(read.spki!);
  const exact: KeySelector = {
    label: read.info.label,
    id: Buffer.from(read.info.id, 'hex'),
    class: 'private',
  };
  const keyName = cryptoKeyName(to);
  stage.planned = true;
  const cryptoKeyCreated = await ensureCryptoKey(kms, keyName, plan);

  let method = plan.method;
  let oaepNote = plan.hashReason;
  let job = await activeImportJob(kms, ring, options.importJob ?? jobId(), method, options.wait);
  let blob: Uint8Array;
  try {
    blob = await wrapOnSource(source, exact, job);
  } catch (e) {
    if (!sha256Refused(e)) throw e;
    if (plan.methodAsked || options.importJob)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `${source.name} refused RSA-OAEP with SHA-256, which ${method} needs; choose ${methodFor(IMPORT_METHODS[method].bits, 'sha1')}.`,
        { ...(e.ckr ? { ckr: e.ckr } : {}), cause: e },
      );
    method = methodFor(IMPORT_METHODS[method].bits, 'sha1');
    oaepNote = `${source.name} refused RSA-OAEP with SHA-256${e.ckr ? ` (${e.ckr})` : ''}; an import job with ${method} was used instead (SP 800-131A allows SHA-1 for key transport).`;
    job = await activeImportJob(kms, ring, jobId(), method, options.wait);
    blob = await wrapOnSource(source, exact, job);
  }
  let version: GcpKeyVersionInfo;
  try {
    version = await importWrappedVersion(
      kms,
      { cryptoKey: keyName, importJob: job.name, algorithm: plan.algorithm, wrapped: blob },
      options.wait,
    );
  } finally {
    blob.fill(0); // deliberate: the wrapped blob is ciphertext scratch, not a Secret
  }

  const proof = await prove(kms, version, sourceSpki);
  if (!proof.spkiMatch || !proof.signatureVerified) {
    await destroyVersion(kms, version.name).catch(() => undefined);
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `The Cloud KMS version ${version.name} is not the key "${read.info.label}" of ${source.name} (${proof.spkiMatch ? 'signature' : 'public key'} check failed); its destruction was scheduled and the source is untouched.`,
    );
  }
  return {
    source: {
      token: source.name,
      uri: read.info.uri,
      label: read.info.label,
      type: plan.type,
      spkiSha256: sha256(sourceSpki),
    },
    target: { ...version, cryptoKeyCreated, spkiSha256: proof.spkiSha256 },
    importJob: {
      name: job.name,
      method: job.method,
      protectionLevel: job.protectionLevel,
      reused: job.reused,
      spkiSha256: job.spkiSha256,
      expireTime: job.expireTime,
    },
    oaepHash: IMPORT_METHODS[job.method].hash,
    oaepNote,
    mechanisms: ['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP'],
    nativeRsaAes: { source: source.rsaAesNative, used: false, note: NATIVE_NOTE },
    strength: plan.strength,
    proof: {
      method: 'spki+signature',
      spkiMatch: proof.spkiMatch,
      signatureVerified: proof.signatureVerified,
    },
    sourceDestroyed: false,
  };
}

function jobId(): string {
  return `olocus-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
}

async function prove(
  kms: KeyManagementServiceClient,
  version: GcpKeyVersionInfo,
  sourceSpki: Uint8Array,
): Promise<{ spkiMatch: boolean; signatureVerified: boolean; spkiSha256: string }> {
  const pub = await getPublicKey(kms, version.name);
  const spkiMatch = sha256(canonical(pub.spki)) === sha256(sourceSpki);
  const challenge = Buffer.concat([Buffer.from('olocus-gcp-import-proof/1:'), randomBytes(32)]);
  const sig = await signWithVersion(kms, version.name, challenge, pub);
  // Verified under the SOURCE's public key: the signature proves the private key Cloud KMS holds.
  const signatureVerified = verifyKmsSignature(sourceSpki, sig.algorithm, challenge, sig.signature);
  return { spkiMatch, signatureVerified, spkiSha256: pub.spkiSha256 };
}
