// The checks made before a single byte is wrapped: each refusal names the key, the token and the
// rule, so that an officer can tell a wrong request from a wrong key.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeyUsage } from '../hsm/pkcs11/templates';
import { KEY_TYPES } from '../hsm/types';
import type { KeyInfo, KeyType } from '../hsm/types';
import type { Side } from './sides';
import { cannotWrap } from './sides';
import type { TargetTemplate } from './types';

/** What the source key may do, in the provider's usage words. */
export function sourceUsage(info: KeyInfo, type: KeyType): KeyUsage[] {
  const u: KeyUsage[] = [];
  if (info.class === 'secret') {
    if (info.usage.encrypt || info.usage.decrypt) u.push('encrypt');
    if (info.usage.wrap || info.usage.unwrap) u.push('wrap');
    return u;
  }
  if (info.usage.sign) u.push('sign');
  // SoftHSM reports CKA_DECRYPT/CKA_UNWRAP true on EC private keys whatever was asked; no EC
  // mechanism uses them, so only RSA carries them over.
  if (type.startsWith('rsa')) {
    if (info.usage.decrypt) u.push('encrypt');
    if (info.usage.unwrap) u.push('wrap');
  }
  return u;
}

export function knownType(info: KeyInfo, side: Side): KeyType {
  const type = KEY_TYPES.find((t) => t === info.type);
  if (!type)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `The key "${info.label}" on ${side.name} is of type ${info.type}, which this tool cannot migrate.`,
    );
  return type;
}

/** Refuses (106) a target template that would protect the key less than the source did. */
export function checkTemplateNotWeaker(
  info: KeyInfo,
  type: KeyType,
  want: TargetTemplate,
  source: Side,
): KeyUsage[] {
  const where = `"${info.label}" on ${source.name}`;
  if (want.sensitive === false && info.provenance.sensitive !== false)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Refusing to unwrap ${where} as a non-sensitive key: the source key is sensitive, and a migration must not make its value readable.`,
    );
  if (want.extractable === true && info.provenance.extractable !== true)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Refusing to unwrap ${where} as an extractable key: the source key is not extractable, and a migration must not make it exportable.`,
    );
  const had = sourceUsage(info, type);
  const usage = want.usage ?? had;
  const extra = usage.filter((u) => !had.includes(u));
  if (extra.length > 0)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `Refusing to give the migrated ${where} the usage ${extra.join(', ')}, which the source key does not have (it has ${had.join(', ') || 'none'}).`,
    );
  return usage;
}

export function checkExtractable(info: KeyInfo, source: Side): void {
  if (info.provenance.extractable !== true)
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The key "${info.label}" on ${source.name} is not extractable (CKA_EXTRACTABLE false), so it cannot be wrapped or migrated; a key generated non-extractable stays on its HSM.`,
    );
}

/** Refuses (104) a key type or scheme that one of the two modules cannot wrap, unwrap or hold. */
export function checkSidesCanCarry(
  info: KeyInfo,
  type: KeyType,
  source: Side,
  target: Side,
  needsOaep: boolean,
): void {
  for (const [side, role] of [
    [source, 'wrap'],
    [target, 'unwrap'],
  ] as const) {
    if (cannotWrap(side, type))
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `${side.vendor?.name ?? 'The module'} behind ${side.name} cannot ${role} ${type} keys (C_WrapKey/C_UnwrapKey refuse them although key wrapping is listed), so "${info.label}" cannot be migrated ${role === 'wrap' ? 'from' : 'to'} it.`,
      );
    const curves = side.vendor?.quirks.ecCurves;
    if (curves && type.startsWith('ec-') && !curves.some((c) => c === type))
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `${side.vendor!.name} behind ${side.name} cannot hold ${type} keys (it implements ${curves.join(', ')}), so "${info.label}" is not migrated ${role === 'wrap' ? 'from' : 'to'} it; nothing was wrapped.`,
      );
    if (!side.kwp)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `${side.kwpMissing ?? `${side.name} offers no RFC 5649 AES key wrap for ${role}ping.`} Every migration needs it, so nothing was wrapped.`,
      );
    if (needsOaep && !side.oaep)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `${side.name} does not list CKM_RSA_PKCS_OAEP for ${role}ping, which rsa-aes-kwp needs; use kwp with a KEK on both tokens.`,
      );
  }
}

/** A secret key is proven by its KCV (needs encrypt) or by wrapping a probe (needs wrap). */
export function checkProvable(info: KeyInfo, usage: KeyUsage[], source: Side): void {
  if (info.class !== 'secret') return;
  const kcv = info.kcv !== null && usage.includes('encrypt');
  const probe = info.usage.wrap && usage.includes('wrap');
  if (!kcv && !probe)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `The secret key "${info.label}" on ${source.name} allows neither encryption (for a key check value) nor wrapping, so its copy could not be proven identical; it is not migrated.`,
    );
}
