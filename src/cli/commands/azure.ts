// Commands for Azure Key Vault and Managed HSM (keys, signing, BYOK import, key attestation).
// Credentials come from the Azure default chain (environment, managed identity, `az login`…).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { formatVerdict, verdictExitCode } from '../../main/attestation/index';
import { UsageError } from '../errors';
import { fields, shorten, table } from '../output';
import type { CommandContext, CommandSpec, FlagSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { LEDGER_FLAGS, labelOf, publicAddress, withTransferLedger } from '../transfer-ledger';

const AZURE_KEY: FlagSpec = {
  type: 'string',
  value: 'URI',
  help: 'the key: azurekv://VAULT-HOST/keys/NAME[/VERSION]',
  required: true,
};
const CREDENTIALS =
  'Credentials: the Azure default chain (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, managed identity, `az login`, …); nothing is stored.';

async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `Cannot read the ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}.`,
    );
  }
}

const describeKey = (k: {
  uri: string;
  kid: string;
  kty: string;
  type: string | null;
  keyOps: string[];
  spkiSha256: string | null;
}) =>
  fields([
    ['Key', k.uri],
    ['Key id', k.kid],
    ['Type', `${k.kty}${k.type ? ` (${k.type})` : ''}`],
    ['Operations', k.keyOps.join(', ')],
    ['SPKI SHA-256', k.spkiSha256 ?? '-'],
  ]);

function required(ctx: CommandContext, flag: string, action: string): string {
  const v = ctx.values[flag];
  if (typeof v !== 'string' || v === '')
    throw new UsageError(`"azure keys ${action}" needs --${flag}; see --help.`);
  return v;
}

async function listKeys(ctx: CommandContext): Promise<number> {
  const r = await ctx.service.azure.listKeys(required(ctx, 'vault', 'list'));
  ctx.out.result(r, () =>
    r.keys.length === 0
      ? `No keys in ${r.vault}.`
      : table(
          ['NAME', 'KTY', 'TYPE', 'OPS', 'SPKI SHA-256'],
          r.keys.map((k) => [
            k.name,
            k.kty,
            k.type ?? '-',
            k.keyOps.join(','),
            shorten(k.spkiSha256 ?? '-'),
          ]),
        ),
  );
  return 0;
}

/**
 * `azure keys list|create|get`: one spec whose action is its positional, because the command
 * parser reads at most two command words (src/cli/index.ts splitCommand).
 */
const azureKeys: CommandSpec = {
  words: ['azure', 'keys'],
  usage:
    'azure keys list --vault HOST | azure keys create --key URI --type T | azure keys get --key URI',
  summary:
    'Azure Key Vault / Managed HSM keys: list (name, type, key_ops, SPKI SHA-256), create an HSM key, show one',
  details: [
    'create: T ∈ ec-p256, ec-p384, ec-p521, rsa-2048, rsa-3072, rsa-4096 (EC-HSM, RSA-HSM); aes-128, aes-256',
    '(oct-HSM) only on a Managed HSM. An existing key name is refused (a new version would replace it).',
    CREDENTIALS,
  ],
  positionals: ['list|create|get'],
  flags: {
    vault: { type: 'string', value: 'HOST', help: 'for list: e.g. myvault.vault.azure.net' },
    key: {
      type: 'string',
      value: 'URI',
      help: 'for create and get: azurekv://HOST/keys/NAME[/VERSION]',
    },
    type: { type: 'string', value: 'T', help: 'for create: the key type' },
  },
  async run(ctx) {
    const action = ctx.positionals[0];
    if (action === 'list') return listKeys(ctx);
    if (action === 'create') {
      const k = await ctx.service.azure.createKey(
        required(ctx, 'key', 'create'),
        required(ctx, 'type', 'create'),
      );
      ctx.out.result(k, () => describeKey(k));
      return 0;
    }
    if (action === 'get') {
      const k = await ctx.service.azure.getKey(required(ctx, 'key', 'get'));
      ctx.out.result(k, () => describeKey(k));
      return 0;
    }
    throw new UsageError('"azure keys" takes list, create or get.');
  },
};

const azureSign: CommandSpec = {
  words: ['azure', 'sign'],
  usage: 'azure sign --key URI --in FILE --out SIG',
  summary:
    'signs FILE with an Azure key (digest computed here; ES256/384/512 or RS256 by key type)',
  flags: {
    key: AZURE_KEY,
    in: { type: 'string', value: 'FILE', help: 'the data to sign', required: true },
    out: {
      type: 'string',
      value: 'SIG',
      help: 'the raw signature (must not exist)',
      required: true,
    },
  },
  async run(ctx) {
    const out = stringFlag(ctx, 'out');
    if (existsSync(out)) throw new UsageError(`${out} already exists; choose another --out.`);
    const data = await readInput(stringFlag(ctx, 'in'), 'input');
    const r = await ctx.service.azure.sign(stringFlag(ctx, 'key'), data);
    await writeFile(out, r.signature, { flag: 'wx' });
    const doc = {
      key: r.key,
      kid: r.kid,
      algorithm: r.algorithm,
      out,
      signature: Buffer.from(r.signature).toString('base64'),
    };
    ctx.out.result(doc, () =>
      fields([
        ['Key id', r.kid],
        ['Algorithm', r.algorithm],
        ['Signature', out],
      ]),
    );
    return 0;
  },
};

const azureVerify: CommandSpec = {
  words: ['azure', 'verify'],
  usage: 'azure verify --key URI --in FILE --sig SIG',
  summary: 'verifies a signature with an Azure key (exit 1 when it does not verify)',
  flags: {
    key: AZURE_KEY,
    in: { type: 'string', value: 'FILE', help: 'the signed data', required: true },
    sig: { type: 'string', value: 'SIG', help: 'the raw signature', required: true },
  },
  async run(ctx) {
    const data = await readInput(stringFlag(ctx, 'in'), 'input');
    const sig = await readInput(stringFlag(ctx, 'sig'), 'signature');
    const r = await ctx.service.azure.verify(stringFlag(ctx, 'key'), data, sig);
    ctx.out.result(r, () =>
      r.valid ? `Signature valid (${r.key}).` : `Signature NOT valid (${r.key}).`,
    );
    return r.valid ? 0 : 1;
  },
};

const azureAttest: CommandSpec = {
  words: ['azure', 'attest'],
  usage: 'azure attest --key URI [--expect-spki-sha256 HEX] [--accept-imported]',
  summary:
    "an Azure key's attestation verdict (Managed HSM: Marvell; a key vault offers none: unknown)",
  details: ['Exit 1 unless every check passes.'],
  flags: {
    key: AZURE_KEY,
    'expect-spki-sha256': {
      type: 'string',
      value: 'HEX',
      help: "the ceremony's fingerprint of the key",
    },
    'accept-imported': { type: 'boolean', help: 'a BYOK-imported key passes the origin check' },
  },
  async run(ctx) {
    const spki = optionalString(ctx, 'expect-spki-sha256');
    const v = await ctx.service.azure.attestKey(stringFlag(ctx, 'key'), {
      ...(spki ? { expectedSpkiSha256: spki } : {}),
      ...(ctx.values['accept-imported'] === true ? { acceptImported: true } : {}),
    });
    ctx.out.result(v, () => formatVerdict(v));
    return verdictExitCode(v);
  },
};

const byokKek: CommandSpec = {
  words: ['byok', 'kek'],
  usage: 'byok kek --vault HOST --name NAME [--size 2048|3072|4096] --out KEK.pem',
  summary:
    'creates (or reuses) the BYOK key-exchange key (RSA-HSM, key_ops import) and writes its public PEM',
  details: [
    'Prints the KEK id (kid) that `byok export --kek-kid` needs. A key without key_ops import is refused.',
    CREDENTIALS,
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
    'under the KEK, then the key with CKM_AES_KEY_WRAP_PAD (CKM_RSA_AES_KEY_WRAP). The KEK must be at least as strong',
    'as the key (SP 800-57); the key must be extractable. FILE.byok is never overwritten.',
    '--ledger appends key.byok_exported (or the refusal) to a hash-chained ledger; no HSM key signs its head.',
  ],
  flags: {
    key: {
      type: 'string',
      value: 'URI',
      help: 'the private key (pkcs11: URI with pin-source)',
      required: true,
    },
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
    const subject = { label: labelOf(key), source: publicAddress(key), target: kekKid };
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
    CREDENTIALS,
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

export const azureMigrate: CommandSpec = {
  words: ['azure', 'migrate'],
  usage:
    'azure migrate --from URI --to azurekv://HOST/keys/NAME [--kek-name NAME] [--ledger FILE [--actor NAME]]',
  summary:
    'moves a PKCS#11 private key into Azure Key Vault by BYOK in one step (KEK, .byok, import, proof)',
  details: [
    'The KEK (default olocus-byok-kek) is created RSA-HSM with key_ops import if the vault has none, sized',
    'for the key by SP 800-57 (RSA-3072, or RSA-4096 above 128 bits). The .byok file lives in a private',
    'temporary directory and is removed afterwards. Exit 1 when the Azure key is not proven to be the source key.',
    '--ledger appends key.byok_exported and key.byok_imported (or the refusal) to a hash-chained ledger.',
    CREDENTIALS,
  ],
  flags: {
    from: {
      type: 'string',
      value: 'URI',
      help: 'the private key (pkcs11: URI with pin-source)',
      required: true,
    },
    to: { type: 'string', value: 'URI', help: 'azurekv://VAULT-HOST/keys/NAME', required: true },
    'kek-name': { type: 'string', value: 'NAME', help: 'the KEK to use or create' },
    ...LEDGER_FLAGS,
  },
  async run(ctx) {
    const kekName = optionalString(ctx, 'kek-name');
    const from = stringFlag(ctx, 'from');
    const to = stringFlag(ctx, 'to');
    const subject = { label: labelOf(from), source: publicAddress(from), target: to };
    const { result: r, ledger } = await withTransferLedger(ctx, 'azure migrate', subject, (audit) =>
      ctx.service.azure.migrateToAzure(from, to, {
        ...(kekName ? { kekName } : {}),
        ...(audit ? { audit } : {}),
      }),
    );
    ctx.out.result(ledger ? { ...r, ledger } : r, () =>
      fields([
        ['Key', `${r.export.key.label} (${r.export.key.type}) on ${r.export.source}`],
        ['KEK', `${r.kek.kid} (RSA-${r.kek.size}, ${r.kek.created ? 'created' : 'existing'})`],
        ['Imported', r.import.key.uri],
        ['Proof', r.import.verified ? 'same public key, signature verified' : 'FAILED'],
      ]),
    );
    return r.import.verified ? 0 : 1;
  },
};

export const AZURE_COMMANDS: readonly CommandSpec[] = [
  azureKeys,
  azureSign,
  azureVerify,
  azureAttest,
  byokKek,
  byokExport,
  byokImport,
  azureMigrate,
];
