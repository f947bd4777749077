// PKCS#11 → PKCS#11 key migration: plan (every refusal), move (wrap on the source, unwrap on the
// target), prove (public key, signature or KCV), and only then, with the quorum's approval,
// destroy the source. Each key's outcome goes to the ledger.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { TokenProvider } from '../hsm/provider';
import type { KeyInfo, KeySelector } from '../hsm/types';
import { TransferLog } from './events';
import type { BatchPlan, KeyPlan } from './plan';
import { asRequest, planBatch } from './plan';
import { unwrapInto, wrapKwp } from './kwp';
import { proofPassed, provePrivate, proveSecret } from './proof';
import { NATIVE_NOTE, OaepNegotiation, closeTransport, openTransport, wrapRsaAes } from './rsa-aes';
import type { Transport } from './rsa-aes';
import { describeSide, sameToken } from './sides';
import type { Side } from './sides';
import type { KeyProof, KeyRequest, MigrateOptions, MigrationResult } from './types';

/** A batch that stopped part-way: the keys already migrated (and logged) are in `completed`. */
export class MigrationError extends OlocusError {
  constructor(
    cause: OlocusError,
    readonly completed: MigrationResult[],
  ) {
    super(cause.code, cause.message, { ...(cause.ckr ? { ckr: cause.ckr } : {}), cause });
  }
}

interface Run {
  source: Side;
  target: Side;
  plan: BatchPlan;
  options: MigrateOptions;
  log: TransferLog;
  transport: Transport | null;
  oaep: OaepNegotiation;
}

function checkApproval(options: MigrateOptions): void {
  const d = options.destroySource;
  if (!d) return;
  const names = Array.isArray(d.approvedBy) ? d.approvedBy.filter((n) => n.trim() !== '') : [];
  if (names.length === 0 || names.length !== d.approvedBy.length)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      'Destroying the source key needs the quorum that approved it (destroySource.approvedBy names no one).',
    );
}

async function move(run: Run, k: KeyPlan): Promise<KeyInfo> {
  const { source, target } = run;
  const publicKey = k.cls === 'private' && run.options.publicHalf !== false ? k.spki : null;
  if (run.transport) {
    const transport = run.transport;
    const unwrapping = { label: transport.label, class: 'private' as const };
    return run.oaep.run(async (hash) => {
      const blob = await wrapRsaAes(source, transport, k.sel, hash);
      return unwrapInto(
        target,
        unwrapping,
        blob,
        k.into,
        { hash, bytes: transport.oaepBytes },
        publicKey,
      );
    });
  }
  const kek = run.options.kek!;
  const blob = await wrapKwp(source, kek.source, k.sel);
  return unwrapInto(target, kek.target, blob, k.into, null, publicKey);
}

/** Proves the copy is the source key; a secret key's KCV is read directly (see checkValue). */
async function prove(run: Run, k: KeyPlan): Promise<[KeyProof, string | null]> {
  const { source, target } = run;
  const proof =
    k.cls === 'private'
      ? await provePrivate(target, k.targetSel, k.spki!)
      : await proveSecret(source, k.info, k.sel, target, k.targetSel, k.into.usage);
  if (!proofPassed(proof))
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `The key unwrapped on ${target.name} is not the key "${k.info.label}" of ${source.name} (${proof.method} check failed); it was destroyed on the target and the source is untouched.`,
    );
  const kcv =
    k.cls === 'secret'
      ? await target.lock.shared(() => target.provider.checkValue(k.targetSel))
      : null;
  return [proof, kcv];
}

/** The RFC 5649 mechanism by its name on each side: one entry when both sides use the same number. */
function kwpNames(run: Run): string[] {
  // Bare names here; the numbers are in the result's kwp field.
  const bare = (n: string) => n.replace(/ \(0x[0-9A-F]+\)$/, '');
  const [a, b] = [bare(run.source.kwp!.name), bare(run.target.kwp!.name)];
  return a === b ? [a] : [`${a} on the source`, `${b} on the target`];
}

function resultOf(
  run: Run,
  k: KeyPlan,
  proof: KeyProof,
  after: KeyInfo,
  kcv: string | null,
): MigrationResult {
  const rsaAes = run.plan.wrap === 'rsa-aes-kwp';
  return {
    label: after.label,
    class: k.cls,
    type: k.type,
    wrap: run.plan.wrap,
    mechanisms: rsaAes ? ['CKM_AES_KEY_GEN', ...kwpNames(run), 'CKM_RSA_PKCS_OAEP'] : kwpNames(run),
    kwp: { source: run.source.kwp!, target: run.target.kwp! },
    oaepHash: rsaAes ? run.oaep.hash : null,
    oaepNote: rsaAes ? run.oaep.note : null,
    nativeRsaAes: rsaAes
      ? {
          source: run.source.rsaAesNative,
          target: run.target.rsaAesNative,
          used: false,
          note: NATIVE_NOTE,
        }
      : null,
    strength: k.strength,
    source: {
      token: run.source.name,
      uri: k.info.uri,
      spkiSha256: k.info.spkiSha256,
      kcv: k.info.kcv,
    },
    target: {
      token: run.target.name,
      uri: after.uri,
      spkiSha256: after.spkiSha256,
      kcv: after.kcv ?? kcv,
      provenance: after.provenance,
    },
    proof,
    sourceDestroyed: null,
  };
}

async function migrateOne(run: Run, k: KeyPlan): Promise<MigrationResult> {
  const { source, target } = run;
  const after = await move(run, k);
  let result: MigrationResult;
  try {
    const [proof, kcv] = await prove(run, k);
    result = resultOf(run, k, proof, after, kcv);
  } catch (e) {
    // Everything under this label and id on the target was made by this migration (the plan
    // checked that the label was free), so an unproven copy is removed whole.
    await target.lock
      .exclusive(() => target.provider.destroyKey({ label: k.into.label, id: k.into.id! }))
      .catch(() => 0);
    throw e;
  }
  await run.log.migrated(result);
  const approval = run.options.destroySource;
  if (approval) {
    await source.lock.exclusive(() =>
      source.provider.destroyKey({ label: k.info.label, id: k.sel.id! }),
    );
    result.sourceDestroyed = { approvedBy: [...approval.approvedBy] };
    await run.log.event('key.source_destroyed', {
      label: k.info.label,
      source_token: run.source.name,
      source_spki_sha256: k.info.spkiSha256,
      source_kcv: k.info.kcv,
      target_uri: result.target.uri,
      proof_method: result.proof.method,
      approved_by: [...approval.approvedBy],
      outcome: 'destroyed',
    });
  }
  return result;
}

/** Runs the keys with a bounded number in flight; stops taking new ones after a failure. */
async function runAll(run: Run, concurrency: number): Promise<MigrationResult[]> {
  const done: MigrationResult[] = [];
  let failure: unknown = null;
  let next = 0;
  const one = async (k: KeyPlan) => {
    try {
      done.push(await migrateOne(run, k));
    } catch (e) {
      failure ??= e;
      await run.log
        .problem(
          'failed',
          {
            label: k.info.label,
            source: run.source.name,
            target: run.target.name,
            spkiSha256: k.info.spkiSha256,
          },
          e,
        )
        .catch(() => undefined);
    }
  };
  // The first key settles the OAEP hash alone; the rest then run side by side.
  if (run.plan.keys.length > 0) await one(run.plan.keys[next++]!);
  const lane = async () => {
    while (failure === null && next < run.plan.keys.length) await one(run.plan.keys[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure !== null) {
    const err =
      failure instanceof OlocusError
        ? failure
        : new OlocusError(ErrorCode.OPERATION_FAILED, String(failure), { cause: failure });
    throw new MigrationError(err, done);
  }
  const order = new Map(run.plan.keys.map((k, i) => [k.into.label, i]));
  return done.sort((a, b) => order.get(a.label)! - order.get(b.label)!);
}

/**
 * Migrates private and secret keys from `source` to `target` (two tokens, possibly of one module).
 * Refusals (OlocusError 104/106/108) come before anything is wrapped; a failure part-way throws
 * a MigrationError listing the keys that did move.
 */
export async function migrateKeys(
  sourceHsm: TokenProvider,
  targetHsm: TokenProvider,
  keys: (KeySelector | KeyRequest)[],
  options: MigrateOptions = {},
): Promise<MigrationResult[]> {
  checkApproval(options);
  const log = new TransferLog(options.audit);
  const [source, target] = await Promise.all([
    describeSide(sourceHsm, 'source'),
    describeSide(targetHsm, 'target'),
  ]);
  if (sameToken(source, target))
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The source and the target are the same token (${source.name}); a migration needs two.`,
    );
  const requests = keys.map((k) => asRequest(k, options));
  const plan = await planBatch(source, target, requests, options, (label, e) =>
    log.problem('refused', { label, source: source.name, target: target.name }, e),
  );
  const transport = plan.transport ? await openTransport(source, target, plan.transport) : null;
  const run: Run = { source, target, plan, options, log, transport, oaep: new OaepNegotiation() };
  try {
    await log.event('transfer.started', {
      wrap: plan.wrap,
      source_token: source.name,
      target_token: target.name,
      keys: plan.keys.map((k) => k.info.label),
      transport: transport ? { type: transport.type, spki_sha256: transport.spkiSha256 } : null,
      kek: options.kek && plan.wrap === 'kwp' ? describeKek(options.kek.source) : null,
      destroy_source: options.destroySource ? [...options.destroySource.approvedBy] : null,
    });
    let results: MigrationResult[];
    try {
      results = await runAll(run, options.concurrency ?? 4);
    } catch (e) {
      const migrated = e instanceof MigrationError ? e.completed.length : 0;
      await log
        .event('transfer.finished', { wrap: plan.wrap, migrated, outcome: 'failed' })
        .catch(() => undefined);
      throw e;
    }
    await log.event('transfer.finished', {
      wrap: plan.wrap,
      migrated: results.length,
      outcome: 'verified',
    });
    return results;
  } finally {
    if (transport) await closeTransport(source, target, transport.label);
  }
}

function describeKek(sel: KeySelector): string {
  return sel.label ?? (sel.id ? Buffer.from(sel.id).toString('hex') : 'unnamed');
}

/** One key; see migrateKeys. */
export async function migrateKey(
  source: TokenProvider,
  target: TokenProvider,
  key: KeySelector,
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  try {
    const [result] = await migrateKeys(source, target, [key], options);
    return result!;
  } catch (e) {
    throw e instanceof MigrationError && e.cause instanceof OlocusError ? e.cause : e;
  }
}
