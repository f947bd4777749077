// Encrypt with the primary version only; decrypt with the version the ciphertext names, if it is
// still enabled. The ciphertext is a small JSON envelope, so the version is never guessed.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { CipherAlgorithm } from '../hsm/types';
import type { LifecycleContext } from './family';
import { addressOf, loadFamily, resolveVersion, selectorOf } from './family';
import { USABLE, describeVersion, primaryOf } from './model';

export const CIPHERTEXT_FORMAT = 'olocus-ciphertext/1';

export interface CiphertextEnvelope {
  format: typeof CIPHERTEXT_FORMAT;
  family: string;
  version: number;
  label: string;
  alg: CipherAlgorithm;
  iv?: string;
  ciphertext: string;
}

const CIPHERS: readonly CipherAlgorithm[] = ['aes-gcm', 'rsa-oaep-sha256', 'rsa-oaep-sha1'];

const refuse = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

export async function encryptWithPrimary(
  ctx: LifecycleContext,
  object: string | undefined,
  data: Uint8Array,
  alg?: CipherAlgorithm,
): Promise<CiphertextEnvelope> {
  if (alg !== undefined && !CIPHERS.includes(alg))
    throw refuse(`Unknown cipher "${alg}"; choose one of ${CIPHERS.join(', ')}.`);
  const address = addressOf(object);
  const { family: f } = await loadFamily(ctx, address.family);
  const v = resolveVersion(f, address);
  const primary = primaryOf(f);
  if (v !== primary)
    throw refuse(
      `${describeVersion(v)} of "${f.name}" is ${v.state}, not the primary; only the primary encrypts (${f.name}@latest is version ${primary?.version ?? '?'}).`,
    );
  const sel = { ...selectorOf(v), class: v.class === 'private' ? ('public' as const) : v.class };
  const r = await ctx.provider.encrypt(sel, data, alg);
  return {
    format: CIPHERTEXT_FORMAT,
    family: f.name,
    version: v.version,
    label: v.label,
    alg: r.algorithm,
    ...(r.iv ? { iv: Buffer.from(r.iv).toString('base64') } : {}),
    ciphertext: Buffer.from(r.ciphertext).toString('base64'),
  };
}

/** Reads an envelope from text; a file that is not one is bad input. */
export function parseEnvelope(text: string, source: string): CiphertextEnvelope {
  let e: Partial<CiphertextEnvelope>;
  try {
    e = JSON.parse(text) as Partial<CiphertextEnvelope>;
  } catch {
    throw refuse(`${source} is not an Olocus ciphertext (${CIPHERTEXT_FORMAT} JSON).`);
  }
  if (
    e.format !== CIPHERTEXT_FORMAT ||
    typeof e.family !== 'string' ||
    !Number.isInteger(e.version) ||
    typeof e.ciphertext !== 'string' ||
    !CIPHERS.includes(e.alg as CipherAlgorithm)
  )
    throw refuse(`${source} is not an Olocus ciphertext (${CIPHERTEXT_FORMAT} JSON).`);
  return e as CiphertextEnvelope;
}

// A failed GCM tag check: PKCS#11 says CKR_ENCRYPTED_DATA_INVALID; SoftHSM 2.6 answers
// CKR_GENERAL_ERROR. Either way the likely causes are ones the officer can act on, among them a
// module that used an IV of its own without writing it back (docs/vendors.md, gcmIv).
const TAG_FAILURES = new Set(['CKR_ENCRYPTED_DATA_INVALID', 'CKR_GENERAL_ERROR']);

function tagFailure(err: unknown, version: string): unknown {
  if (!(err instanceof OlocusError) || !err.ckr || !TAG_FAILURES.has(err.ckr)) return err;
  return new OlocusError(
    ErrorCode.OPERATION_FAILED,
    `The AES-GCM ciphertext did not pass its tag check with ${version} (${err.ckr}): the ciphertext or its IV was altered, or the module that encrypted it used an IV other than the one the envelope records (a module that makes its own IV needs the gcmIv vendor quirk, docs/vendors.md). No plaintext was released.`,
    { ckr: err.ckr, cause: err },
  );
}

export async function decryptEnvelope(
  ctx: LifecycleContext,
  e: CiphertextEnvelope,
): Promise<{ plaintext: Uint8Array; family: string; version: number; state: string }> {
  const { family: f } = await loadFamily(ctx, e.family);
  const v = resolveVersion(f, { family: e.family, spec: { kind: 'number', n: e.version } });
  if (!USABLE.has(v.state)) {
    const when = v.destroyedAt ?? v.destroyScheduledAt ?? v.disabledAt;
    throw refuse(
      `The ciphertext was made with ${describeVersion(v)} of "${f.name}", which is ${v.state}${when ? ` since ${when.slice(0, 10)}` : ''}; it cannot decrypt.${v.state === 'destroyed' ? ' Data encrypted only under a destroyed version cannot be recovered.' : ''}`,
    );
  }
  const plaintext = await ctx.provider
    .decrypt(
      selectorOf(v),
      Buffer.from(e.ciphertext, 'base64'),
      e.alg,
      e.iv ? Buffer.from(e.iv, 'base64') : undefined,
    )
    .catch((err: unknown) => {
      throw e.alg === 'aes-gcm' ? tagFailure(err, `${describeVersion(v)} of "${f.name}"`) : err;
    });
  return { plaintext, family: f.name, version: v.version, state: v.state };
}

/**
 * The label and id of the version a family address names, for signing (the primary only) or
 * verifying (any enabled version). A plain label outside any family is returned as it is.
 */
export async function versionForUse(
  ctx: LifecycleContext,
  object: string,
  use: 'sign' | 'verify',
): Promise<{ label: string; id: Uint8Array }> {
  const address = addressOf(object);
  const { family: f } = await loadFamily(ctx, address.family);
  const v = resolveVersion(f, address);
  if (use === 'sign' && v !== primaryOf(f))
    throw refuse(
      `${describeVersion(v)} of "${f.name}" is ${v.state}, not the primary; only the primary signs (${f.name}@latest).`,
    );
  if (!USABLE.has(v.state))
    throw refuse(`${describeVersion(v)} of "${f.name}" is ${v.state}; it cannot ${use}.`);
  return { label: v.label, id: selectorOf(v).id };
}
