// The Azure BYOK key-exchange key (KEK) policy: RSA-HSM with key_ops `import` only, created if
// absent and refused if an existing key could not serve; its public key is written as PEM, never
// over an existing file. The service resolves the vault; the rule lives here, beside the export.
import { existsSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeyType } from '../hsm/types';
import { describeAzureKey } from '../hsm/azure/vault';
import type { AzureVault } from '../hsm/azure/vault';
import { writeOnce } from '../audit/durable';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

export interface ByokKekResult {
  kid: string;
  uri: string;
  vault: string;
  name: string;
  size: number;
  created: boolean;
  keyOps: string[];
  spkiSha256: string;
  out: string;
}

/**
 * Creates (or reuses) the BYOK KEK `name` in the vault `host`. An existing key without `import`
 * is refused. Writes its public key as PEM to `out` (never replacing a file).
 */
export async function ensureByokKek(
  vault: () => Promise<AzureVault>,
  host: string,
  input: { name: string; size?: number; out: string },
): Promise<ByokKekResult> {
  const size = input.size ?? 4096;
  if (![2048, 3072, 4096].includes(size)) throw invalid('--size is 2048, 3072 or 4096.');
  if (existsSync(input.out))
    throw invalid(
      `${input.out} already exists; the KEK's public key is never written over a file.`,
    );
  const v = await vault();
  let key = await v.find(input.name);
  const created = key === null;
  if (key) {
    const info = describeAzureKey(host, key);
    if (!info.kty.startsWith('RSA') || !info.keyOps.includes('import'))
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `The key "${input.name}" in ${host} cannot be a BYOK KEK: it is ${info.kty} with key_ops ${info.keyOps.join(', ') || 'none'}, and a KEK is RSA-HSM with key_ops import.`,
      );
  } else {
    key = await v.create(input.name, `rsa-${size}` as KeyType, { keyOps: ['import'] });
  }
  const info = describeAzureKey(host, key);
  if (!info.spki || !info.spkiSha256 || !info.type)
    throw new OlocusError(
      ErrorCode.OPERATION_FAILED,
      `${host} returned the KEK "${input.name}" without its public key.`,
    );
  const pem = createPublicKey({
    key: Buffer.from(info.spki, 'base64'),
    format: 'der',
    type: 'spki',
  })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  await writeOnce(input.out, pem, 0o644);
  return {
    kid: info.kid,
    uri: info.uri,
    vault: host,
    name: info.name,
    size: Number(info.type.slice(4)),
    created,
    keyOps: info.keyOps,
    spkiSha256: info.spkiSha256,
    out: input.out,
  };
}
