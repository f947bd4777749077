// Commands for Azure Key Vault and Managed HSM (keys, signing, key attestation, BYOK migration;
// the separate BYOK steps are in byok.ts).
// Credentials come from the Azure default chain (environment, managed identity, `az login`…).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors';
import { fields, shorten, table } from '../output';
import type { CommandContext, CommandSpec, FlagSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { LEDGER_FLAGS, withTransferLedger } from '../transfer-ledger';
import { BYOK_COMMANDS } from './byok';
import {
  AZURE_CREDENTIALS,
  EXPECT_SPKI_SHA256,
  PKCS11_SOURCE_KEY,
  reportVerdict,
  transferSubject,
} from './shared-flags';

const AZURE_KEY: FlagSpec = {
  type: 'string',
  value: 'URI',
  help: 'the key: azurekv://VAULT-HOST/keys/NAME[/VERSION]',
  required: true,
};

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
    AZURE_CREDENTIALS,
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
    'expect-spki-sha256': EXPECT_SPKI_SHA256,
    'accept-imported': { type: 'boolean', help: 'a BYOK-imported key passes the origin check' },
  },
  async run(ctx) {
    const spki = optionalString(ctx, 'expect-spki-sha256');
    const v = await ctx.service.azure.attestKey(stringFlag(ctx, 'key'), {
      ...(spki ? { expectedSpkiSha256: spki } : {}),
      ...(ctx.values['accept-imported'] === true ? { acceptImported: true } : {}),
    });
    return reportVerdict(ctx, v);
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
    AZURE_CREDENTIALS,
  ],
  flags: {
    from: PKCS11_SOURCE_KEY,
    to: { type: 'string', value: 'URI', help: 'azurekv://VAULT-HOST/keys/NAME', required: true },
    'kek-name': { type: 'string', value: 'NAME', help: 'the KEK to use or create' },
    ...LEDGER_FLAGS,
  },
  async run(ctx) {
    const kekName = optionalString(ctx, 'kek-name');
    const from = stringFlag(ctx, 'from');
    const to = stringFlag(ctx, 'to');
    const subject = transferSubject(from, to);
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
  ...BYOK_COMMANDS,
  azureMigrate,
];
