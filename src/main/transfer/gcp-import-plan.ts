// Before anything is created on Google's side or wrapped on the token: may this PKCS#11 key go
// to Cloud KMS through an import job, and with which import method? Every refusal names the key,
// the token and the rule; nothing has happened yet when one is thrown.
import { ErrorCode, OlocusError } from '../../shared/errors';
import { IMPORT_METHODS, methodFor } from '../hsm/gcp/import-job';
import type { ImportMethod } from '../hsm/gcp/import-job';
import { importAlgorithmFor } from '../hsm/gcp/names';
import type { SignAlgorithmName } from '../hsm/gcp/names';
import type { KeyInfo, KeyType } from '../hsm/types';
import { checkExtractable, knownType } from './policy';
import { cannotWrap } from './sides';
import type { Side } from './sides';
import { checkWrapStrength, transportFor } from './strength';
import type { StrengthVerdict } from './strength';
import type { OaepHash } from './types';

export interface GcpImportPlan {
  type: KeyType;
  algorithm: SignAlgorithmName;
  method: ImportMethod;
  /** Whether the caller fixed the method (then no other hash is tried). */
  methodAsked: boolean;
  strength: StrengthVerdict;
  /** Why this OAEP hash, in a sentence for the result. */
  hashReason: string;
}

/** What the source module's profile says about OAEP hashes (null: not known, try SHA-256). */
function oaepHashesOf(side: Side): readonly OaepHash[] | null {
  const listed = side.vendor?.quirks.oaepHashes;
  if (!listed) return null;
  return listed.filter((h): h is OaepHash => h === 'sha1' || h === 'sha256');
}

export function planGcpImport(
  source: Side,
  info: KeyInfo,
  spki: Uint8Array | null,
  askedMethod: ImportMethod | undefined,
  /** Where the method came from when not from the caller (e.g. "the import job J uses it"). */
  methodSource?: string,
): GcpImportPlan {
  const where = `"${info.label}" on ${source.name}`;
  if (info.class !== 'private')
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${where} is a ${info.class} key; Cloud KMS import here takes private signing keys (their copy is proven by a signature).`,
    );
  const type = knownType(info, source);
  checkExtractable(info, source);
  const algorithm = importAlgorithmFor(type);
  if (!algorithm)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${where} is a ${type} key, and Cloud KMS has no signing algorithm for ${type}, so an import job cannot take it.`,
    );
  if (cannotWrap(source, type))
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${source.vendor?.name ?? 'The module'} behind ${source.name} cannot wrap ${type} keys, so ${where} cannot be exported to Cloud KMS.`,
    );
  if (!source.kwp || !source.oaep)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${source.name} does not list ${!source.kwp ? 'an RFC 5649 AES key wrap' : 'CKM_RSA_PKCS_OAEP'} for wrapping, which a Cloud KMS import job needs (CKM_RSA_AES_KEY_WRAP format).`,
    );
  if (!spki)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${source.name} holds no public key for ${where}, so its copy in Cloud KMS could not be proven; it is not exported.`,
    );

  const hashes = oaepHashesOf(source);
  let method: ImportMethod;
  let hashReason: string;
  if (askedMethod) {
    method = askedMethod;
    const hash = IMPORT_METHODS[method].hash;
    if (hashes && !hashes.includes(hash))
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `${source.vendor?.name ?? 'The module'} behind ${source.name} does RSA-OAEP only with ${hashes.map((h) => h.toUpperCase()).join(', ')}, so it cannot wrap for ${method}; choose ${methodFor(IMPORT_METHODS[method].bits, 'sha1')}.`,
      );
    hashReason = methodSource ? `${method}: ${methodSource}.` : `${method} was asked for.`;
  } else {
    const bits = transportFor([type]) === 'rsa-4096' ? 4096 : 3072;
    const sha256 = !hashes || hashes.includes('sha256');
    method = methodFor(bits, sha256 ? 'sha256' : 'sha1');
    hashReason = sha256
      ? hashes
        ? `${source.name} does RSA-OAEP with SHA-256.`
        : `SHA-256 is tried first (the module's OAEP hashes are not known in advance).`
      : `${source.vendor?.name ?? 'The module'} behind ${source.name} does RSA-OAEP only with SHA-1, which SP 800-131A allows for key transport; SHA-1 was chosen.`;
  }
  const wrapping: KeyType = IMPORT_METHODS[method].bits === 4096 ? 'rsa-4096' : 'rsa-3072';
  const strength = checkWrapStrength(type, wrapping, info.label);
  return { type, algorithm, method, methodAsked: askedMethod !== undefined, strength, hashReason };
}
