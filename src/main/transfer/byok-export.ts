// `byok export`: a PKCS#11 private key wrapped inside its HSM for an Azure Key Vault KEK, written
// as a .byok file. The KEK's public key goes onto the source token as a session object, the
// token wraps the key (CKM_RSA_AES_KEY_WRAP, composed from OAEP-SHA1 + KWP: see rsa-aes.ts)
// and the object is destroyed again. Every refusal comes before anything is wrapped.
import { existsSync } from 'node:fs';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { TokenProvider } from '../hsm/provider';
import type { KeyInfo, KeySelector, KeyType } from '../hsm/types';
import { writeOnce } from '../audit/durable';
import { buildByokFile, parseKekId } from './byok-file';
import { TransferLog } from './events';
import { checkExtractable, knownType } from './policy';
import { NATIVE_NOTE } from './rsa-aes';
import { cannotWrap, describeSide } from './sides';
import type { Side } from './sides';
import { checkWrapStrength } from './strength';
import type { StrengthVerdict, TransportType } from './strength';
import type { TransferAudit } from './types';

/** Key types Azure Key Vault imports as RSA-HSM or EC-HSM (P-256K is secp256k1). */
const AZURE_IMPORTABLE: KeyType[] = [
  'ec-p256',
  'ec-p384',
  'ec-p521',
  'ec-secp256k1',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
];

export interface ByokKek {
  kid: string;
  spki: Uint8Array;
  type: TransportType;
}

export interface ByokExportResult {
  out: string;
  key: {
    label: string;
    uri: string;
    type: KeyType;
    spkiSha256: string;
    /** The key's public half, so that `byok import` can prove the copy without the source HSM. */
    publicKeyPem: string;
  };
  kek: { kid: string; vault: string; type: TransportType; spkiSha256: string };
  /** SHA-256 of the .byok file as written, so that its import can be tied to this export. */
  fileSha256: string;
  /** Azure's kty (and curve) for `byok import`. */
  azure: { kty: 'RSA-HSM' | 'EC-HSM'; crv: string | null };
  mechanisms: string[];
  oaepHash: 'sha1';
  note: string;
  strength: StrengthVerdict;
  source: string;
}

const CURVES: Partial<Record<KeyType, string>> = {
  'ec-p256': 'P-256',
  'ec-p384': 'P-384',
  'ec-p521': 'P-521',
  'ec-secp256k1': 'P-256K',
};

function checkCarriable(info: KeyInfo, type: KeyType, side: Side): void {
  if (info.class !== 'private')
    throw new OlocusError(
      info.class === 'public' ? ErrorCode.INVALID_INPUT : ErrorCode.MECHANISM_UNSUPPORTED,
      info.class === 'public'
        ? `"${info.label}" on ${side.name} is a public key; export its private key.`
        : `"${info.label}" on ${side.name} is a secret key; byok export carries RSA and EC private keys (Azure Key Vault imports AES keys only into Managed HSM, which this tool does not export to).`,
    );
  if (!AZURE_IMPORTABLE.includes(type))
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `"${info.label}" on ${side.name} is a ${type} key, which Azure Key Vault cannot import (it takes RSA 2048–4096 and EC P-256, P-384, P-521, P-256K).`,
    );
  if (cannotWrap(side, type))
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${side.vendor?.name ?? 'The module'} behind ${side.name} cannot wrap ${type} keys, so "${info.label}" cannot be exported.`,
    );
  if (!side.kwp || !side.oaep)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${side.name} does not list ${!side.kwp ? 'an RFC 5649 AES key wrap' : 'CKM_RSA_PKCS_OAEP'} for wrapping, which an Azure BYOK file needs.`,
    );
}

/**
 * Writes `out` (never replacing a file) with `key` wrapped for the KEK. `key` names a private key
 * (class defaults to private). Throws before wrapping on every refusal (104, 106, 108). With
 * `audit`, writes key.byok_exported, or key.migration_refused / key.migration_failed.
 */
export async function exportByok(
  provider: TokenProvider,
  key: KeySelector,
  kek: ByokKek,
  out: string,
  generator: string,
  audit?: TransferAudit,
): Promise<ByokExportResult> {
  const log = new TransferLog(audit);
  const stage = { wrapping: false, source: 'the source token' };
  let r: ByokExportResult;
  try {
    r = await exportOne(provider, key, kek, out, generator, stage);
  } catch (e) {
    await log
      .problem(
        stage.wrapping ? 'failed' : 'refused',
        { label: key.label ?? '', source: stage.source, target: kek.kid },
        e,
      )
      .catch(() => undefined);
    throw e;
  }
  await log.event('key.byok_exported', {
    label: r.key.label,
    type: r.key.type,
    source: { token: r.source, uri: r.key.uri, spki_sha256: r.key.spkiSha256 },
    kek: { kid: r.kek.kid, vault: r.kek.vault, type: r.kek.type, spki_sha256: r.kek.spkiSha256 },
    wrap: 'rsa-aes-kwp',
    mechanisms: r.mechanisms,
    oaep_hash: r.oaepHash,
    oaep_note: r.note,
    strength_bits: {
      key: r.strength.keyBits,
      wrap: r.strength.wrapBits,
      below_key: r.strength.belowKey,
    },
    azure: { kty: r.azure.kty, crv: r.azure.crv },
    file: { path: r.out, sha256: r.fileSha256 },
    outcome: 'written',
  });
  return r;
}

async function exportOne(
  provider: TokenProvider,
  key: KeySelector,
  kek: ByokKek,
  out: string,
  generator: string,
  stage: { wrapping: boolean; source: string },
): Promise<ByokExportResult> {
  const kekId = parseKekId(kek.kid);
  if (existsSync(out))
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${out} already exists; a .byok file is never overwritten (choose another --out).`,
    );
  const side = await describeSide(provider, 'source');
  stage.source = side.name;
  const sel: KeySelector = { ...key, class: key.class ?? 'private' };
  const { info, spki } = await side.lock.shared(() => provider.describeWithPublicKey(sel));
  const type = knownType(info, side);
  checkCarriable(info, type, side);
  checkExtractable(info, side);
  const strength = checkWrapStrength(type, kek.type, info.label);
  if (!spki || !info.spkiSha256)
    throw new OlocusError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `${side.name} holds no public key for "${info.label}", so its import into Azure could not be proven; it is not exported.`,
    );
  const exact: KeySelector = {
    label: info.label,
    id: Buffer.from(info.id, 'hex'),
    class: 'private',
  };
  const label = `olocus-byok-kek-${randomBytes(6).toString('hex')}`;
  let wrapped: Uint8Array | null = null;
  let fileSha256 = '';
  stage.wrapping = true;
  try {
    await side.lock.shared(() =>
      provider.importPublicKey(kek.spki, { label, token: false, usage: ['wrap'] }),
    );
    // Azure's BYOK specification fixes OAEP to SHA-1 (with MGF1-SHA-1) for the ephemeral key.
    wrapped = await side.lock.shared(() =>
      provider.wrapUnderEphemeral({ label, class: 'public' }, exact, 'rsa-oaep-sha1'),
    );
    if (wrapped.length <= Number(kek.type.slice(4)) / 8)
      throw new OlocusError(
        ErrorCode.OPERATION_FAILED,
        `${side.name} returned a wrapped key too short to hold "${info.label}".`,
      );
    const file = buildByokFile(kek.kid, wrapped, generator);
    fileSha256 = createHash('sha256').update(file, 'utf8').digest('hex');
    await writeOnce(out, file, 0o600);
  } finally {
    wrapped?.fill(0); // deliberate: the wrapped key is ciphertext scratch, not a Secret
    await side.lock.shared(() => provider.destroyKey({ label, class: 'public' })).catch(() => 0);
  }
  const publicKeyPem = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const crv = CURVES[type] ?? null;
  return {
    out,
    key: { label: info.label, uri: info.uri, type, spkiSha256: info.spkiSha256, publicKeyPem },
    kek: {
      kid: kek.kid,
      vault: kekId.vault,
      type: kek.type,
      spkiSha256: createHash('sha256').update(kek.spki).digest('hex'),
    },
    fileSha256,
    azure: { kty: crv ? 'EC-HSM' : 'RSA-HSM', crv },
    mechanisms: ['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP'],
    oaepHash: 'sha1',
    note: NATIVE_NOTE,
    strength,
    source: side.name,
  };
}
