// `byok kek|export|import`: the steps of an Azure BYOK transfer one at a time (a KEK in the vault,
// a .byok file wrapped inside the source HSM, the import proven); `azure migrate` runs them all.
import { UsageError } from '../errors';
import { fields } from '../output';
import type { CommandSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { LEDGER_FLAGS, labelOf, withTransferLedger } from '../transfer-ledger';
import { AZURE_CREDENTIALS, PKCS11_SOURCE_KEY, transferSubject } from './shared-flags';

const byokKek: CommandSpec = {
  words: ['byok', 'kek'],
  usage: 'byok kek --vault HOST --name NAME [--size 2048|3072|4096] --out KEK.pem',
  summary:
    'creates (or reuses) the BYOK key-exchange key (RSA-HSM, key_ops import) and writes its public PEM',
  details: [
    'Prints the KEK id (kid) that `byok export --kek-kid` needs. A key without key_ops import is refused.',
    AZURE_CREDENTIALS,
  ],
  flags: {
    vault: {
      type: 'string',
      value: 'HOST',
      help: 'the vault the key will be imported into',
      required: true,
    },
    name: { type: 'string', value: 'NAME', help: 'the KEK name', required: true },
    size: { type: 'string', value: 'BITS', help: '2048, 3072 or 4096 (default 4096)' },
    out: {
      type: 'string',
      value: 'KEK.pem',
      help: 'where to write the public key (must not exist)',
      required: true,
    },
  },
  async run(ctx) {
    const size = optionalString(ctx, 'size');
    if (size !== undefined && !['2048', '3072', '4096'].includes(size))
      throw new UsageError('--size is 2048, 3072 or 4096.');
    const r = await ctx.service.azure.byokKek({
      vault: stringFlag(ctx, 'vault'),
      name: stringFlag(ctx, 'name'),
      ...(size ? { size: Number(size) } : {}),
      out: stringFlag(ctx, 'out'),
    });
    ctx.out.result(r, () =>
      fields([
        ['KEK', `${r.kid} (RSA-${r.size}, ${r.created ? 'created' : 'existing'})`],
        ['Operations', r.keyOps.join(', ')],
        ['SPKI SHA-256', r.spkiSha256],
        ['Public key', r.out],
      ]),
    );
    return 0;
  },
};

const byokExport: CommandSpec = {
  words: ['byok', 'export'],
  usage:
    'byok export --key URI --kek-pem FILE --kek-kid KID --out FILE.byok [--ledger FILE [--actor NAME]]',
  summary: 'Azure BYOK file for a key',
  details: [
    'The key (pkcs11: URI with pin-source) is wrapped inside its HSM: RSA-OAEP-SHA1 of an ephemeral AES-256 key',
    'under the KEK, then the key with RFC 5649 AES key wrap (CKM_RSA_AES_KEY_WRAP). The KEK must be at least as strong',
    'as the key (SP 800-57); the key must be extractable. FILE.byok is never overwritten.',
    '--ledger appends key.byok_exported (or the refusal) to a hash-chained ledger; no HSM key signs its head.',
  ],
  flags: {
    key: PKCS11_SOURCE_KEY,
    'kek-pem': {
      type: 'string',
      value: 'FILE',
      help: "the KEK's public key (from byok kek)",
      required: true,
    },
    'kek-kid': {
      type: 'string',
      value: 'KID',
      help: "the KEK's key id https://HOST/keys/NAME/VERSION",
      required: true,
    },
    out: {
      type: 'string',
      value: 'FILE.byok',
      help: 'the BYOK file to write (must not exist)',
      required: true,
    },
    ...LEDGER_FLAGS,
  },
  async run(ctx) {
    const key = stringFlag(ctx, 'key');
    const kekKid = stringFlag(ctx, 'kek-kid');
    const subject = transferSubject(key, kekKid);
    const { result: r, ledger } = await withTransferLedger(ctx, 'byok export', subject, (audit) =>
      ctx.service.azure.byokExport(
        key,
        stringFlag(ctx, 'kek-pem'),
        kekKid,
        stringFlag(ctx, 'out'),
        audit,
      ),
    );
    ctx.out.result(ledger ? { ...r, ledger } : r, () =>
      fields([
        ['Key', `${r.key.label} (${r.key.type}) on ${r.source}`],
        ['SPKI SHA-256', r.key.spkiSha256],
        ['KEK', `${r.kek.kid} (${r.kek.type})`],
        ['Wrap', `${r.mechanisms.join(' + ')}, OAEP ${r.oaepHash}`],
        ['Import as', `${r.azure.kty}${r.azure.crv ? ` ${r.azure.crv}` : ''}`],
        ['Written', r.out],
      ]),
    );
    return 0;
  },
};

const byokImport: CommandSpec = {
  words: ['byok', 'import'],
  usage:
    'byok import --file FILE.byok --to azurekv://HOST/keys/NAME (--source URI | --public-key PEM) [--ledger FILE [--actor NAME]]',
  summary:
    'imports a .byok file into Azure Key Vault and proves it (same public key, a signature the source key accepts)',
  details: [
    'Exit 1 when the imported key is not the source key. An existing key name is refused.',
    '--ledger appends key.byok_imported (or the refusal) to a hash-chained ledger; no HSM key signs its head.',
    AZURE_CREDENTIALS,
  ],
  flags: {
    file: { type: 'string', value: 'FILE.byok', help: 'the BYOK file', required: true },
    to: { type: 'string', value: 'URI', help: 'azurekv://VAULT-HOST/keys/NAME', required: true },
    source: {
      type: 'string',
      value: 'URI',
      help: 'the source key (pkcs11: URI), for its public key',
    },
    'public-key': {
      type: 'string',
      value: 'PEM',
      help: "the source's public key, when its HSM is not at hand",
    },
    ...LEDGER_FLAGS,
  },
  async run(ctx) {
    const source = optionalString(ctx, 'source');
    const publicKey = optionalString(ctx, 'public-key');
    if (!source && !publicKey)
      throw new UsageError(
        'byok import needs --source URI or --public-key PEM to prove the import.',
      );
    const file = stringFlag(ctx, 'file');
    const to = stringFlag(ctx, 'to');
    const subject = { label: labelOf(to), source: `.byok file ${file}`, target: to };
    const { result: r, ledger } = await withTransferLedger(ctx, 'byok import', subject, (audit) =>
      ctx.service.azure.byokImport(
        file,
        to,
        { ...(source ? { source } : {}), ...(publicKey ? { publicKey } : {}) },
        audit,
      ),
    );
    ctx.out.result(ledger ? { ...r, ledger } : r, () =>
      fields([
        ['Imported', `${r.key.uri} (${r.key.kty})`],
        ['SPKI SHA-256', `${r.key.spkiSha256 ?? '-'} (source ${r.source.spkiSha256})`],
        ['Same public key', r.proof.spkiMatch ? 'yes' : 'NO'],
        [
          'Signature check',
          `${r.proof.algorithm}: ${r.proof.signatureVerified ? 'verified with the source key' : 'FAILED'}`,
        ],
        ['Verdict', r.verified ? 'the Azure key is the source key' : 'NOT the source key'],
      ]),
    );
    return r.verified ? 0 : 1;
  },
};

/** In the order --help lists them (within AZURE_COMMANDS). */
export const BYOK_COMMANDS: readonly CommandSpec[] = [byokKek, byokExport, byokImport];
