// The Azure Key Vault BYOK transfer blob (".byok" file), per Azure's "Bring your own key
// specification": JSON naming the KEK by its Key Vault id, `alg: dir`, `enc:
// CKM_RSA_AES_KEY_WRAP`, and the wrapped key as base64url: RSA-OAEP (SHA-1) of an ephemeral
// AES-256 key under the KEK, followed by the key's PKCS#8 under that AES key with AES-KWP.
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { TransportType } from './strength';

export const BYOK_SCHEMA_VERSION = '1.0.0';

const KID = /^https:\/\/([A-Za-z0-9.-]+)\/keys\/([0-9A-Za-z-]{1,127})\/([0-9A-Fa-f]{32})$/;

export const byokFileSchema = z.object({
  schema_version: z.literal(BYOK_SCHEMA_VERSION),
  header: z.object({
    kid: z.string().regex(KID, 'a Key Vault key id https://HOST/keys/NAME/VERSION'),
    alg: z.literal('dir'),
    enc: z.literal('CKM_RSA_AES_KEY_WRAP'),
  }),
  ciphertext: z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url'),
  generator: z.string().optional(),
});

export type ByokFile = z.infer<typeof byokFileSchema>;

export interface KekId {
  kid: string;
  vault: string;
  name: string;
  version: string;
}

/** A KEK's Key Vault id, which must name a version: the .byok is bound to that exact key. */
export function parseKekId(kid: string): KekId {
  const m = KID.exec(kid);
  if (!m)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The KEK id "${kid}" is not a Key Vault key id with its version (https://VAULT-HOST/keys/NAME/VERSION, as \`byok kek\` prints it).`,
    );
  return { kid, vault: m[1]!.toLowerCase(), name: m[2]!, version: m[3]! };
}

export function buildByokFile(kekKid: string, wrapped: Uint8Array, generator: string): string {
  const file: ByokFile = {
    schema_version: BYOK_SCHEMA_VERSION,
    header: { kid: kekKid, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
    ciphertext: Buffer.from(wrapped).toString('base64url'),
    generator,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Reads a .byok file's text; anything that is not the documented shape is bad input (108). */
export function parseByokFile(text: string, path: string): ByokFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OlocusError(ErrorCode.INVALID_INPUT, `${path} is not a .byok file (not JSON).`);
  }
  const r = byokFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${path} is not a .byok file: ${issue.path.join('.') || 'the document'} ${issue.message.replace(/^Invalid (input|string)(: )?/i, 'must be ').trim()}.`,
    );
  }
  return r.data;
}

/** The KEK's public key from PEM (or DER): RSA 2048, 3072 or 4096 bits, else refused (108). */
export function readKekPublicKey(
  data: Uint8Array,
  path: string,
): { spki: Buffer; type: TransportType } {
  let key;
  try {
    const text = Buffer.from(data).toString('utf8');
    key = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(data), format: 'der', type: 'spki' });
  } catch {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${path} holds no public key (expected the KEK's public key as PEM, as \`byok kek\` writes it).`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${path} holds a ${key.asymmetricKeyType ?? 'non-RSA'} public key; an Azure BYOK KEK is an RSA-HSM key (2048, 3072 or 4096 bits).`,
    );
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const type = `rsa-${bits}`;
  if (type !== 'rsa-2048' && type !== 'rsa-3072' && type !== 'rsa-4096')
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${path} holds an RSA-${bits} key; an Azure BYOK KEK is 2048, 3072 or 4096 bits.`,
    );
  return { spki: key.export({ type: 'spki', format: 'der' }), type };
}
