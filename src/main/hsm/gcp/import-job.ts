// Cloud KMS import jobs: the RSA key Cloud HSM generates to receive wrapped keys, and the call
// that hands it a CKM_RSA_AES_KEY_WRAP blob. Both are asynchronous on Google's side (the job is
// PENDING_GENERATION, the version PENDING_IMPORT), so each waits for its state, bounded.
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyManagementServiceClient, protos } from '@google-cloud/kms';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { call, kmsError } from './client';
import { nameOf, versionInfo } from './convert';
import type { SignAlgorithmName } from './names';
import type { GcpKeyVersionInfo } from './types';

type Kms = KeyManagementServiceClient;

export const IMPORT_METHODS = {
  'rsa-oaep-3072-sha1-aes-256': { api: 'RSA_OAEP_3072_SHA1_AES_256', bits: 3072, hash: 'sha1' },
  'rsa-oaep-4096-sha1-aes-256': { api: 'RSA_OAEP_4096_SHA1_AES_256', bits: 4096, hash: 'sha1' },
  'rsa-oaep-3072-sha256-aes-256': {
    api: 'RSA_OAEP_3072_SHA256_AES_256',
    bits: 3072,
    hash: 'sha256',
  },
  'rsa-oaep-4096-sha256-aes-256': {
    api: 'RSA_OAEP_4096_SHA256_AES_256',
    bits: 4096,
    hash: 'sha256',
  },
} as const;
export type ImportMethod = keyof typeof IMPORT_METHODS;

export function isImportMethod(m: string): m is ImportMethod {
  return Object.hasOwn(IMPORT_METHODS, m);
}

export function methodFor(bits: 3072 | 4096, hash: 'sha1' | 'sha256'): ImportMethod {
  return `rsa-oaep-${bits}-${hash}-aes-256`;
}

function methodOfApi(api: string): ImportMethod | null {
  const found = Object.entries(IMPORT_METHODS).find(([, m]) => m.api === api);
  return (found?.[0] as ImportMethod | undefined) ?? null;
}

export interface ActiveImportJob {
  name: string;
  method: ImportMethod;
  protectionLevel: string;
  /** The job's RSA public key (DER SPKI) that wraps the ephemeral AES key. */
  spki: Uint8Array;
  spkiSha256: string;
  modulusBits: number;
  reused: boolean;
  expireTime: string | null;
}

export interface WaitOptions {
  /** Total wait; default 120 s (Cloud HSM generates an RSA-4096 job key in seconds). */
  timeoutMs?: number;
  /** First poll interval, doubling up to 2 s; default 100 ms. */
  intervalMs?: number;
}

async function poll<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  o: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let wait = o.intervalMs ?? 100;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() + wait > deadline)
      throw new OlocusError(ErrorCode.TIMEOUT, `Cloud KMS did not finish ${what} in time.`);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 2000);
  }
}

/** The job's method, refused when it is not one this app wraps for. */
function jobMethod(job: protos.google.cloud.kms.v1.IImportJob, name: string): ImportMethod {
  const api = nameOf(job.importMethod);
  const method = methodOfApi(api);
  if (!method)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `The import job ${name} uses ${api}, which is not a CKM_RSA_AES_KEY_WRAP method (use one of ${Object.keys(IMPORT_METHODS).join(', ')}).`,
    );
  return method;
}

function describeJob(job: protos.google.cloud.kms.v1.IImportJob, reused: boolean): ActiveImportJob {
  const name = job.name ?? '';
  const method = jobMethod(job, name);
  const api = nameOf(job.importMethod);
  const pem = job.publicKey?.pem ?? '';
  let key;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `The import job ${name} has no readable public key.`,
      { cause: e },
    );
  }
  const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || modulusBits !== IMPORT_METHODS[method].bits)
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `The import job ${name} says ${api} but its public key is ${key.asymmetricKeyType} ${modulusBits}; nothing is wrapped under it.`,
    );
  const spki = new Uint8Array(key.export({ type: 'spki', format: 'der' }));
  const expire = job.expireTime as { seconds?: unknown } | null | undefined;
  return {
    name,
    method,
    protectionLevel: nameOf(job.protectionLevel),
    spki,
    spkiSha256: createHash('sha256').update(spki).digest('hex'),
    modulusBits,
    reused,
    expireTime: expire?.seconds
      ? new Date(Number(String(expire.seconds)) * 1000).toISOString()
      : null,
  };
}

/** The method of an existing import job, or null when there is no such job. */
export async function existingJobMethod(
  kms: Kms,
  keyRing: string,
  jobId: string,
): Promise<ImportMethod | null> {
  const name = `${keyRing}/importJobs/${jobId}`;
  try {
    const [job] = await kms.getImportJob({ name });
    return jobMethod(job, name);
  } catch (e) {
    if ((e as { code?: number }).code === 5) return null;
    throw kmsError(`reading the import job ${name}`, e);
  }
}

/**
 * The named job (checked: HSM, the method asked for, not expired) or a new one, once ACTIVE.
 * A job whose method differs is refused rather than silently used.
 */
export async function activeImportJob(
  kms: Kms,
  keyRing: string,
  jobId: string,
  method: ImportMethod,
  wait: WaitOptions = {},
): Promise<ActiveImportJob> {
  const name = `${keyRing}/importJobs/${jobId}`;
  let reused = true;
  let job: protos.google.cloud.kms.v1.IImportJob;
  try {
    [job] = await kms.getImportJob({ name });
  } catch (e) {
    if ((e as { code?: number }).code !== 5) throw kmsError(`reading the import job ${name}`, e);
    reused = false;
    [job] = await call(`creating the import job ${name}`, () =>
      kms.createImportJob({
        parent: keyRing,
        importJobId: jobId,
        importJob: { importMethod: IMPORT_METHODS[method].api, protectionLevel: 'HSM' },
      }),
    );
  }
  const api = nameOf(job.importMethod);
  if (api !== IMPORT_METHODS[method].api)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The import job ${name} uses ${api}, not ${IMPORT_METHODS[method].api} as asked; name another job or ask for its method.`,
    );
  if (nameOf(job.protectionLevel) !== 'HSM')
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The import job ${name} has protection level ${nameOf(job.protectionLevel)}; a ceremony key is imported into Cloud HSM only (protection level HSM).`,
    );
  const active = await poll(
    `generating the import job ${name}`,
    async () =>
      nameOf(job.state) === 'PENDING_GENERATION'
        ? (await call(`reading the import job ${name}`, () => kms.getImportJob({ name })))[0]
        : job,
    (j) => {
      job = j;
      return nameOf(j.state) !== 'PENDING_GENERATION';
    },
    wait,
  );
  if (nameOf(active.state) !== 'ACTIVE')
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `The import job ${name} is ${nameOf(active.state)}, not ACTIVE (import jobs expire after three days); use a new one.`,
    );
  return describeJob(active, reused);
}

/**
 * Sends the wrapped key and waits for the new version to be ENABLED; IMPORT_FAILED is an error
 * carrying Google's reason. The blob goes in `wrapped_key`, which the API prefers over the
 * legacy `rsa_aes_wrapped_key` (same bytes, same format).
 */
export async function importWrappedVersion(
  kms: Kms,
  request: {
    cryptoKey: string;
    importJob: string;
    algorithm: SignAlgorithmName;
    wrapped: Uint8Array;
  },
  wait: WaitOptions = {},
): Promise<GcpKeyVersionInfo> {
  const [created] = await call(`importing into ${request.cryptoKey}`, () =>
    kms.importCryptoKeyVersion({
      parent: request.cryptoKey,
      importJob: request.importJob,
      algorithm: request.algorithm,
      wrappedKey: request.wrapped,
    }),
  );
  const name = created.name ?? '';
  const v = await poll(
    `importing ${name}`,
    async () =>
      (await call(`reading the key version ${name}`, () => kms.getCryptoKeyVersion({ name })))[0],
    (x) => nameOf(x.state) !== 'PENDING_IMPORT',
    wait,
  );
  const info = versionInfo(v);
  if (info.state !== 'ENABLED')
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `Cloud KMS did not import the key into ${name}: the version is ${info.state}${info.importFailureReason ? ` (${info.importFailureReason.replace(/\.$/, '')})` : ''}.`,
    );
  return info;
}

/** Schedules destruction of a version that failed its proof (Cloud KMS keeps it 30 days by default). */
export async function destroyVersion(kms: Kms, name: string): Promise<void> {
  await call(`destroying ${name}`, () => kms.destroyCryptoKeyVersion({ name }));
}
