// `byok import`: a .byok file into Azure Key Vault (KeyClient.importKey with the file as the JWK's
// `t`, which the SDK sends as `key_hsm`, kty RSA-HSM or EC-HSM as Azure's BYOK guide says), then
// proven: the vault's public key must be the source's, and a signature the vault makes must
// verify under the source's public key.
import { createHash, createPublicKey } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { verifyWithSpki } from '../hsm/software-verify';
import type { KeyType } from '../hsm/types';
import type { ByokFile } from './byok-file';
import { parseKekId } from './byok-file';
import { TransferLog } from './events';
import type { TransferAudit } from './types';
import { azureCall } from '../hsm/azure/errors';
import { sha256Hex } from '../hsm/azure/jwk';
import { AzureVault, describeAzureKey } from '../hsm/azure/vault';
import type { AzureKeyInfo } from '../hsm/azure/vault';

export interface ByokProof {
  spkiMatch: boolean;
  signatureVerified: boolean;
  algorithm: string;
}

export interface ByokImportResult {
  key: AzureKeyInfo;
  kek: string;
  source: { spkiSha256: string; type: KeyType };
  proof: ByokProof;
  verified: boolean;
}

const CURVES: Record<string, { crv: string; type: KeyType }> = {
  prime256v1: { crv: 'P-256', type: 'ec-p256' },
  secp384r1: { crv: 'P-384', type: 'ec-p384' },
  secp521r1: { crv: 'P-521', type: 'ec-p521' },
  secp256k1: { crv: 'P-256K', type: 'ec-secp256k1' },
};

/** What Azure must be told about the key inside the file: its kty and curve, from its public key. */
export function azureShapeOf(spki: Uint8Array): {
  kty: 'RSA-HSM' | 'EC-HSM';
  crv?: string;
  type: KeyType;
} {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType === 'rsa') {
    const type = `rsa-${key.asymmetricKeyDetails?.modulusLength}`;
    if (type === 'rsa-2048' || type === 'rsa-3072' || type === 'rsa-4096')
      return { kty: 'RSA-HSM', type };
  }
  if (key.asymmetricKeyType === 'ec') {
    const c = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (c) return { kty: 'EC-HSM', crv: c.crv, type: c.type };
  }
  throw new OlocusError(
    ErrorCode.INVALID_INPUT,
    'The source public key is neither RSA 2048–4096 nor EC P-256/P-384/P-521/P-256K, so it cannot be a key Azure imports.',
  );
}

/**
 * Imports and proves; with `audit`, writes key.byok_imported (outcome verified or proof_failed),
 * or key.migration_refused (nothing sent to the vault) / key.migration_failed (after).
 */
export async function importByok(
  vault: AzureVault,
  name: string,
  file: ByokFile,
  fileBytes: Uint8Array,
  sourceSpki: Uint8Array,
  audit?: TransferAudit,
): Promise<ByokImportResult> {
  const log = new TransferLog(audit);
  const fileSha256 = createHash('sha256').update(fileBytes).digest('hex');
  const stage = { importing: false };
  let r: ByokImportResult;
  try {
    r = await importOne(vault, name, file, fileBytes, sourceSpki, stage);
  } catch (e) {
    await log
      .problem(
        stage.importing ? 'failed' : 'refused',
        {
          label: name,
          source: `.byok file ${fileSha256}`,
          target: `azurekv://${vault.host}/keys/${name}`,
          spkiSha256: sha256Hex(sourceSpki),
        },
        e,
      )
      .catch(() => undefined);
    throw e;
  }
  await log.event('key.byok_imported', {
    label: name,
    vault: vault.host,
    key_id: r.key.kid,
    uri: r.key.uri,
    kty: r.key.kty,
    kek_kid: r.kek,
    file_sha256: fileSha256,
    source: { spki_sha256: r.source.spkiSha256, type: r.source.type },
    target: { uri: r.key.uri, spki_sha256: r.key.spkiSha256 },
    proof: {
      method: 'spki+signature',
      spki_match: r.proof.spkiMatch,
      signature_verified: r.proof.signatureVerified,
      algorithm: r.proof.algorithm,
    },
    outcome: r.verified ? 'verified' : 'proof_failed',
  });
  return r;
}

async function importOne(
  vault: AzureVault,
  name: string,
  file: ByokFile,
  fileBytes: Uint8Array,
  sourceSpki: Uint8Array,
  stage: { importing: boolean },
): Promise<ByokImportResult> {
  const kek = parseKekId(file.header.kid);
  if (kek.vault !== vault.host)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The .byok file was wrapped for a KEK in ${kek.vault}, not ${vault.host}; Azure imports a BYOK key only into the vault that holds its KEK.`,
    );
  const shape = azureShapeOf(sourceSpki);
  const kekKey = await vault.get(kek.name, kek.version);
  if (!(kekKey.keyOperations ?? []).includes('import'))
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The KEK "${kek.name}" in ${vault.host} does not allow the import operation, so no .byok file made for it can be imported.`,
    );
  if (await vault.find(name))
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `A key named "${name}" already exists in ${vault.host}; importing would add a new current version over it (keys are never replaced). Choose another name.`,
    );
  stage.importing = true;
  const imported = await azureCall({ vault: vault.host, key: name, action: 'importing' }, () =>
    vault.client.importKey(
      name,
      {
        kty: shape.kty,
        ...(shape.crv ? { crv: shape.crv } : {}),
        keyOps: ['sign', 'verify'],
        t: new Uint8Array(fileBytes),
      },
      { hardwareProtected: true },
    ),
  );
  const key = describeAzureKey(vault.host, imported);
  const sourceFp = sha256Hex(sourceSpki);
  const spkiMatch = key.spkiSha256 === sourceFp;
  const challenge = AzureVault.challenge('byok-proof');
  const sig = await vault.sign(imported, challenge);
  const signatureVerified = verifyWithSpki(
    sourceSpki,
    sig.algorithm.algorithm,
    challenge,
    sig.signature,
  );
  return {
    key,
    kek: file.header.kid,
    source: { spkiSha256: sourceFp, type: shape.type },
    proof: { spkiMatch, signatureVerified, algorithm: sig.algorithm.azure },
    verified: spkiMatch && signatureVerified,
  };
}
