// Import jobs of the fake Cloud KMS: real RSA job keys (generated asynchronously, as Cloud HSM
// does: the job is PENDING_GENERATION until its key exists), and ImportCryptoKeyVersion that
// checks the request as Cloud KMS does, then really unwraps the blob (unwrap.ts).
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { RpcError, bad, notFound } from './rpc';
import type { Req } from './rpc';
import { ts } from './state';
import type { FakeCryptoKey, FakeImportJob, FakeState, FakeVersion } from './state';
import { ALGORITHM_KEYS, ImportFailure, METHODS, unwrapImport } from './unwrap';

const generate = promisify(generateKeyPair);

export interface JobHost {
  state: FakeState;
  cryptoKey(name: string): FakeCryptoKey;
  versionOut(v: FakeVersion): unknown;
}

export function createImportJob(kms: JobHost, r: Req) {
  const parent = String(r.parent);
  if (!kms.state.keyRings.has(parent)) throw notFound('KeyRing', parent);
  const name = `${parent}/importJobs/${String(r.importJobId)}`;
  if (kms.state.importJobs.has(name))
    throw new RpcError(grpc.status.ALREADY_EXISTS, `ImportJob ${name} already exists.`);
  const job = (r.importJob ?? {}) as Req;
  const method = String(job.importMethod);
  const m = METHODS[method];
  if (!m) throw bad(`Import method ${method} is not supported.`);
  const level = String(job.protectionLevel);
  if (level !== 'HSM' && level !== 'SOFTWARE')
    throw bad(`Protection level ${level} is not supported for import jobs.`);
  const now = new Date();
  const created: FakeImportJob = {
    name,
    importMethod: method,
    protectionLevel: level,
    state: 'PENDING_GENERATION',
    createTime: now,
    expireTime: new Date(now.getTime() + 3 * 86400_000),
    keys: null,
    generating: null,
  };
  created.generating = generate('rsa', { modulusLength: m.bits }).then((keys) => {
    created.keys = keys;
  });
  kms.state.importJobs.set(name, created);
  return jobOut(created);
}

export function readImportJob(kms: JobHost, name: string) {
  const job = kms.state.importJobs.get(name);
  if (!job) throw notFound('ImportJob', name);
  if (job.state === 'PENDING_GENERATION' && job.keys) job.state = 'ACTIVE';
  return jobOut(job);
}

export function jobOut(j: FakeImportJob) {
  return {
    name: j.name,
    importMethod: j.importMethod,
    protectionLevel: j.protectionLevel,
    state: j.state,
    createTime: ts(j.createTime),
    expireTime: ts(j.expireTime),
    publicKey:
      j.state === 'ACTIVE' && j.keys
        ? { pem: String(j.keys.publicKey.export({ type: 'spki', format: 'pem' })) }
        : null,
  };
}

export function importVersion(kms: JobHost, r: Req) {
  const key = kms.cryptoKey(String(r.parent));
  const jobName = String(r.importJob);
  if (!jobName) throw bad('import_job is required.');
  const job = kms.state.importJobs.get(jobName);
  if (!job) throw notFound('ImportJob', jobName);
  if (!key.name.startsWith(`${jobName.slice(0, jobName.indexOf('/importJobs/'))}/`))
    throw bad(`ImportJob ${jobName} is not in the key ring of ${key.name}.`);
  if (job.state !== 'ACTIVE' || !job.keys)
    throw new RpcError(grpc.status.FAILED_PRECONDITION, `ImportJob ${jobName} is not ACTIVE.`);
  if (job.protectionLevel !== key.protectionLevel)
    throw bad(
      `The protection level of ImportJob ${jobName} (${job.protectionLevel}) does not match the CryptoKey's (${key.protectionLevel}).`,
    );
  const algorithm = String(r.algorithm);
  if (key.purpose !== 'ASYMMETRIC_SIGN' || !(algorithm in ALGORITHM_KEYS))
    throw bad(`Algorithm ${algorithm} is not valid for purpose ${key.purpose}.`);
  const wrapped = Buffer.from(
    ((r.wrappedKey as Uint8Array | undefined)?.length
      ? r.wrappedKey
      : r.rsaAesWrappedKey) as Uint8Array,
  );
  const oaep = METHODS[job.importMethod]!.bits / 8;
  if (wrapped.length < oaep + 16 || (wrapped.length - oaep) % 8 !== 0)
    throw bad(
      `wrapped_key has an invalid length for ${job.importMethod}: ${wrapped.length} bytes.`,
    );
  const v = kms.state.addVersion(key, {
    state: 'PENDING_IMPORT',
    algorithm,
    importJob: jobName,
    generateTime: null,
  });
  try {
    const imported = unwrapImport(job.importMethod, job.keys.privateKey, wrapped, algorithm);
    v.pending = { state: 'ENABLED', reason: '', key: imported };
  } catch (e) {
    if (!(e instanceof ImportFailure)) throw e;
    v.pending = { state: 'IMPORT_FAILED', reason: e.message, key: null };
  }
  return kms.versionOut(v);
}
