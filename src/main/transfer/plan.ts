// Reads every key to migrate and decides, before anything is wrapped, whether and how it may
// move: all refusals happen here, so a refused batch leaves both tokens as they were.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeyUsage } from '../hsm/pkcs11/templates';
import { KEY_TYPES } from '../hsm/types';
import type { GenerateOptions, KeyInfo, KeySelector, KeyType } from '../hsm/types';
import {
  checkExtractable,
  checkProvable,
  checkSidesCanCarry,
  checkTemplateNotWeaker,
  knownType,
} from './policy';
import type { Side } from './sides';
import { checkWrapStrength, transportFor } from './strength';
import type { StrengthVerdict, TransportType } from './strength';
import type { KeyRequest, MigrateOptions, WrapScheme } from './types';

export type UnwrapInto = {
  type: KeyType;
  class: 'private' | 'secret';
  usage: KeyUsage[];
} & GenerateOptions;

export interface KeyPlan {
  info: KeyInfo;
  type: KeyType;
  cls: 'private' | 'secret';
  /** The source key, named exactly (label, id and class). */
  sel: KeySelector;
  /** The source's public key (DER SPKI) for private keys. */
  spki: Uint8Array | null;
  into: UnwrapInto;
  /** The migrated key on the target, named exactly. */
  targetSel: KeySelector;
  strength: StrengthVerdict;
}

export interface BatchPlan {
  wrap: WrapScheme;
  transport: TransportType | null;
  keys: KeyPlan[];
}

export function asRequest(k: KeySelector | KeyRequest, options: MigrateOptions): KeyRequest {
  return 'key' in k ? k : { key: k, ...(options.target ? { target: options.target } : {}) };
}

async function readSource(
  source: Side,
  req: KeyRequest,
): Promise<{ info: KeyInfo; spki: Uint8Array | null }> {
  const read = await source.lock.shared(() => source.provider.describeWithPublicKey(req.key));
  const info = read.info;
  if (info.class === 'public')
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `"${info.label}" on ${source.name} is a public key; migrate its private key (the public half follows).`,
    );
  return read;
}

async function kekType(side: Side, sel: KeySelector): Promise<KeyType> {
  const info = await side.provider.getAttributes({ ...sel, class: 'secret' });
  if (info.type !== 'aes-128' && info.type !== 'aes-256')
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The KEK "${info.label}" on ${side.name} is a ${info.type} key, not an AES key.`,
    );
  if (!info.usage.wrap && !info.usage.unwrap)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The KEK "${info.label}" on ${side.name} is not allowed to wrap keys (CKA_WRAP/CKA_UNWRAP false).`,
    );
  return info.type;
}

/** The wrapping key's type: the RSA transport, or the weaker of the two KEKs. */
async function wrappingType(
  source: Side,
  target: Side,
  options: MigrateOptions,
  types: KeyType[],
): Promise<KeyType> {
  if ((options.wrap ?? 'rsa-aes-kwp') === 'rsa-aes-kwp')
    return options.transport ?? transportFor(types);
  if (!options.kek)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'kwp needs the KEK on both tokens (options.kek.source and options.kek.target).',
    );
  const [a, b] = await Promise.all([
    kekType(source, options.kek.source),
    kekType(target, options.kek.target),
  ]);
  if (a !== b)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The KEKs differ in type (${a} on ${source.name}, ${b} on ${target.name}); they must be the same key.`,
    );
  return a;
}

/** Checks one key against every rule; the order puts the caller's own mistakes first. */
async function planKey(
  source: Side,
  target: Side,
  req: KeyRequest,
  { info, spki }: { info: KeyInfo; spki: Uint8Array | null },
  wrapping: KeyType,
  wrap: WrapScheme,
  taken: Set<string>,
): Promise<KeyPlan> {
  const type = knownType(info, source);
  const want = req.target ?? {};
  const usage = checkTemplateNotWeaker(info, type, want, source);
  checkExtractable(info, source);
  checkSidesCanCarry(info, type, source, target, wrap === 'rsa-aes-kwp');
  const strength = checkWrapStrength(type, wrapping, info.label);
  checkProvable(info, usage, source);
  const cls = info.class as 'private' | 'secret';
  const id = Buffer.from(info.id, 'hex');
  const sel: KeySelector = { label: info.label, id, class: cls };
  const label = want.label ?? info.label;
  const targetId = want.id ?? id;
  if (cls === 'private' && !spki)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${source.name} holds no public key for "${info.label}", so its copy could not be proven; it is not migrated.`,
    );
  if (taken.has(label))
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `A key labelled "${label}" already exists on ${target.name}; the migrated key needs a free label (keys are never replaced).`,
    );
  return {
    info,
    type,
    cls,
    sel,
    spki,
    into: {
      type,
      class: cls,
      label,
      id: targetId,
      usage,
      extractable: want.extractable ?? false,
      token: want.token ?? true,
    },
    targetSel: { label, id: targetId, class: cls },
    strength,
  };
}

/**
 * Plans the batch. Refusals are reported through `refused` (for the ledger) and the first is
 * thrown: one refused key stops the batch before any key moves.
 */
export async function planBatch(
  source: Side,
  target: Side,
  requests: KeyRequest[],
  options: MigrateOptions,
  refused: (label: string, e: unknown) => Promise<void>,
): Promise<BatchPlan> {
  const wrap = options.wrap ?? 'rsa-aes-kwp';
  const reads = await Promise.all(requests.map((r) => readSource(source, r)));
  const infos = reads.map((r) => r.info);
  // Unknown types are refused per key below, where the refusal is logged.
  const types = infos.flatMap((i) => KEY_TYPES.filter((t) => t === i.type));
  const labels = requests.map((r, i) => r.target?.label ?? infos[i]!.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Two keys of the batch would be named "${twice}" on ${target.name}; give each its own label.`,
    );
  const wrapping = await wrappingType(source, target, options, types);
  // One search of the target for every label in use, rather than one per key.
  const taken = await target.lock.shared(() => target.provider.labels());
  const results = await Promise.allSettled(
    requests.map((r, i) => planKey(source, target, r, reads[i]!, wrapping, wrap, taken)),
  );
  const errors: unknown[] = [];
  for (const [i, r] of results.entries()) {
    if (r.status === 'rejected') {
      errors.push(r.reason);
      await refused(infos[i]!.label, r.reason);
    }
  }
  if (errors.length > 0) throw errors[0];
  return {
    wrap,
    transport: wrap === 'rsa-aes-kwp' ? (wrapping as TransportType) : null,
    keys: results.map((r) => (r as PromiseFulfilledResult<KeyPlan>).value),
  };
}
