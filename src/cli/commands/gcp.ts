// Commands for Google Cloud KMS and Cloud HSM (key rings, keys, versions, signing, import jobs, attestations).
// Credentials are Application Default Credentials (gcloud auth application-default login,
// GOOGLE_APPLICATION_CREDENTIALS, or the metadata server on Google Cloud); nothing is stored.
// --endpoint HOST:PORT points the client elsewhere: plaintext only for a loopback host (a local
// emulator or the test fake), TLS with credentials for any other.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { IMPORT_METHODS } from '../../main/hsm/gcp/import-job';
import { SIGN_ALGORITHMS, isSignAlgorithm } from '../../main/hsm/gcp/names';
import type { GcpConnectOptions } from '../../main/service/gcp';
import { UsageError } from '../errors';
import { fields, shorten, table } from '../output';
import { optionalString, stringFlag } from '../spec';
import { LEDGER_FLAGS, withTransferLedger } from '../transfer-ledger';
import { PKCS11_SOURCE_KEY, reportVerdict, transferSubject } from './shared-flags';
import type { CommandContext, CommandSpec, FlagSpec } from '../spec';

const ENDPOINT: FlagSpec = {
  type: 'string',
  value: 'HOST:PORT',
  help: 'Cloud KMS API endpoint (default cloudkms.googleapis.com:443); plaintext only for 127.0.0.1, ::1 or localhost',
};

function connect(ctx: CommandContext): GcpConnectOptions {
  const endpoint = optionalString(ctx, 'endpoint');
  return endpoint ? { endpoint } : {};
}

// The command line reads at most two command words, so the third word of `gcp keys list`,
// `gcp keys create` and `gcp key-rings list` arrives as the ACTION argument.
function action(ctx: CommandContext, group: string, allowed: string[]): string {
  const a = ctx.positionals[0] ?? '';
  if (!allowed.includes(a))
    throw new UsageError(
      `"gcp ${group} ${a}" is not a command; use ${allowed.map((x) => `"gcp ${group} ${x}"`).join(' or ')}.`,
    );
  return a;
}

const keyRingsList: CommandSpec = {
  words: ['gcp', 'key-rings'],
  positionals: ['list'],
  usage: 'gcp key-rings list --location gcpkms://projects/P/locations/L [--endpoint HOST:PORT]',
  summary: 'Cloud KMS key rings of a location',
  flags: {
    location: {
      type: 'string',
      value: 'ADDRESS',
      help: 'gcpkms://projects/P/locations/L',
      required: true,
    },
    endpoint: ENDPOINT,
  },
  async run(ctx) {
    action(ctx, 'key-rings', ['list']);
    const rings = await ctx.service.gcp.listKeyRings(stringFlag(ctx, 'location'), connect(ctx));
    ctx.out.result({ keyRings: rings }, () =>
      rings.length === 0
        ? 'No key rings.'
        : table(
            ['KEY RING', 'CREATED'],
            rings.map((r) => [r.address, r.createTime ?? '']),
          ),
    );
    return 0;
  },
};

const keysList: CommandSpec = {
  words: ['gcp', 'keys', 'list'], // reached through keysCommand
  usage:
    'gcp keys list --key-ring gcpkms://projects/P/locations/L/keyRings/R [--endpoint HOST:PORT]',
  summary: 'Cloud KMS keys of a ring with each version: protection level, algorithm, state',
  flags: {
    'key-ring': {
      type: 'string',
      value: 'ADDRESS',
      help: 'gcpkms://projects/P/locations/L/keyRings/R',
      required: true,
    },
    endpoint: ENDPOINT,
  },
  async run(ctx) {
    const keys = await ctx.service.gcp.listKeys(stringFlag(ctx, 'key-ring'), connect(ctx));
    const rows = keys.flatMap((k) =>
      k.versions.length === 0
        ? [[k.address, '-', k.purpose, k.protectionLevel, k.algorithm, 'no versions']]
        : k.versions.map((v) => [
            k.address,
            v.address.split('/').pop() ?? '',
            k.purpose,
            v.protectionLevel,
            v.algorithm,
            v.state,
          ]),
    );
    ctx.out.result({ keys }, () =>
      rows.length === 0
        ? 'No keys.'
        : table(['KEY', 'VERSION', 'PURPOSE', 'PROTECTION', 'ALGORITHM', 'STATE'], rows),
    );
    return 0;
  },
};

const keysCreate: CommandSpec = {
  words: ['gcp', 'keys', 'create'], // reached through keysCommand
  usage:
    'gcp keys create --key gcpkms://…/cryptoKeys/K --algorithm ALG [--software] [--import-only] [--endpoint HOST:PORT]',
  summary: 'creates a Cloud HSM signing key (protection level HSM unless --software)',
  details: [`ALG: ${Object.keys(SIGN_ALGORITHMS).join(', ')}, or GOOGLE_SYMMETRIC_ENCRYPTION.`],
  flags: {
    key: { type: 'string', value: 'ADDRESS', help: 'gcpkms://…/cryptoKeys/K', required: true },
    algorithm: { type: 'string', value: 'ALG', help: 'the version algorithm', required: true },
    software: { type: 'boolean', help: 'protection level SOFTWARE instead of HSM' },
    'import-only': { type: 'boolean', help: 'no generated version; versions come from imports' },
    endpoint: ENDPOINT,
  },
  async run(ctx) {
    const algorithm = stringFlag(ctx, 'algorithm');
    const symmetric = algorithm === 'GOOGLE_SYMMETRIC_ENCRYPTION';
    if (!symmetric && !isSignAlgorithm(algorithm))
      throw new UsageError(
        `Unknown --algorithm ${algorithm}; choose one of ${Object.keys(SIGN_ALGORITHMS).join(', ')} or GOOGLE_SYMMETRIC_ENCRYPTION.`,
      );
    const key = await ctx.service.gcp.createKey(
      stringFlag(ctx, 'key'),
      {
        purpose: symmetric ? 'ENCRYPT_DECRYPT' : 'ASYMMETRIC_SIGN',
        ...(symmetric ? {} : { algorithm: algorithm as keyof typeof SIGN_ALGORITHMS }),
        protectionLevel: ctx.values.software === true ? 'SOFTWARE' : 'HSM',
        importOnly: ctx.values['import-only'] === true,
      },
      connect(ctx),
    );
    ctx.out.result(key, () =>
      fields([
        ['Key', key.address],
        ['Purpose', key.purpose],
        ['Protection', key.protectionLevel],
        ['Algorithm', key.algorithm],
        ['Versions', key.versions.map((v) => `${v.address} ${v.state}`).join(', ') || 'none'],
      ]),
    );
    return 0;
  },
};

const sign: CommandSpec = {
  words: ['gcp', 'sign'],
  usage: 'gcp sign --key gcpkms://…/cryptoKeyVersions/V --in FILE --out SIG [--endpoint HOST:PORT]',
  summary:
    'signs with a Cloud KMS version (digest made locally, CRC32C checked both ways, verified locally)',
  details: ['SIG holds the signature as Cloud KMS returns it (DER for ECDSA).'],
  flags: {
    key: { type: 'string', value: 'ADDRESS', help: 'the key version', required: true },
    in: { type: 'string', value: 'FILE', help: 'the data to sign', required: true },
    out: {
      type: 'string',
      value: 'SIG',
      help: 'where the signature goes (never overwritten)',
      required: true,
    },
    endpoint: ENDPOINT,
  },
  async run(ctx) {
    const out = stringFlag(ctx, 'out');
    if (existsSync(out))
      throw new UsageError(`${out} already exists; sign never overwrites a signature file.`);
    const path = stringFlag(ctx, 'in');
    const data = await readFile(path).catch(() => {
      throw new UsageError(`Cannot read the input ${path}.`);
    });
    const s = await ctx.service.gcp.sign(stringFlag(ctx, 'key'), data, connect(ctx));
    await writeFile(out, Buffer.from(s.signature, 'base64'), { flag: 'wx' });
    ctx.out.result({ ...s, out }, () =>
      fields([
        ['Key', s.address],
        ['Algorithm', s.algorithm],
        ['Signature', `${out} (${Buffer.from(s.signature, 'base64').length} bytes)`],
        ['Integrity', 'CRC32C of digest and signature checked'],
        ['Verified', s.verifiedLocally ? 'yes, locally with the public key' : 'NO'],
      ]),
    );
    return s.verifiedLocally ? 0 : 1;
  },
};

export const importKey: CommandSpec = {
  words: ['gcp', 'import'],
  usage:
    'gcp import --from PKCS11_KEY_URI --to gcpkms://…/cryptoKeys/K [--import-method METHOD] [--import-job NAME] [--endpoint HOST:PORT] [--ledger FILE [--actor NAME]]',
  summary:
    'imports a PKCS#11 private key into Cloud HSM through an import job, proven after import',
  details: [
    `METHOD: ${Object.keys(IMPORT_METHODS).join(', ')} (default: by key strength and what the source HSM's OAEP supports).`,
    'The key is wrapped inside the source HSM (CKM_RSA_AES_KEY_WRAP format) and never leaves it in clear;',
    'the new version must have the same public key and sign so that the source public key verifies. The source stays.',
    '--ledger appends key.imported_to_cloud (or the refusal) to a hash-chained ledger; no HSM key signs its head.',
  ],
  flags: {
    from: PKCS11_SOURCE_KEY,
    to: {
      type: 'string',
      value: 'ADDRESS',
      help: 'the Cloud KMS key (created import-only at protection level HSM if absent)',
      required: true,
    },
    'import-method': { type: 'string', value: 'METHOD', help: 'the import job method' },
    'import-job': {
      type: 'string',
      value: 'NAME',
      help: 'an import job id in the key ring to use or create',
    },
    endpoint: ENDPOINT,
    ...LEDGER_FLAGS,
  },
  async run(ctx) {
    const method = optionalString(ctx, 'import-method');
    if (method !== undefined && !Object.hasOwn(IMPORT_METHODS, method))
      throw new UsageError(`--import-method is one of ${Object.keys(IMPORT_METHODS).join(', ')}.`);
    const job = optionalString(ctx, 'import-job');
    const from = stringFlag(ctx, 'from');
    const to = stringFlag(ctx, 'to');
    const subject = transferSubject(from, to);
    const { result: r, ledger } = await withTransferLedger(ctx, 'gcp import', subject, (audit) =>
      ctx.service.gcp.importKey(
        from,
        to,
        {
          ...(method ? { method } : {}),
          ...(job ? { importJob: job } : {}),
          ...(audit ? { audit } : {}),
        },
        connect(ctx),
      ),
    );
    ctx.out.result(ledger ? { ...r, ledger } : r, () =>
      fields([
        ['Key', `${r.source.label} (${r.source.type}) on ${r.source.token}`],
        ['Source SPKI', shorten(r.source.spkiSha256, 64)],
        [
          'Version',
          `${r.target.address} ${r.target.state} ${r.target.protectionLevel} ${r.target.algorithm}`,
        ],
        ['Version SPKI', shorten(r.target.spkiSha256, 64)],
        [
          'Import job',
          `${r.importJob.name} (${r.importJob.method}${r.importJob.reused ? ', reused' : ''})`,
        ],
        ['OAEP', `${r.oaepHash}: ${r.oaepNote}`],
        [
          'Proof',
          `public key ${r.proof.spkiMatch ? 'equal' : 'DIFFERS'}, signature ${r.proof.signatureVerified ? 'verified' : 'NOT verified'} with the source key`,
        ],
        ['Source destroyed', 'no'],
      ]),
    );
    return 0;
  },
};

const attest: CommandSpec = {
  words: ['gcp', 'attest'],
  usage:
    'gcp attest --key gcpkms://…/cryptoKeyVersions/V [--accept-imported] [--endpoint HOST:PORT]',
  summary:
    "a Cloud HSM version's attestation verdict (Marvell chains, HSM signature, attested key = served key)",
  details: [
    "Exit 1 unless every check passes. Chains are validated at the version's generateTime.",
  ],
  flags: {
    key: { type: 'string', value: 'ADDRESS', help: 'the key version', required: true },
    'accept-imported': { type: 'boolean', help: 'an imported key passes the origin check' },
    endpoint: ENDPOINT,
  },
  async run(ctx) {
    const v = await ctx.service.gcp.attest(
      stringFlag(ctx, 'key'),
      ctx.values['accept-imported'] === true ? { acceptImported: true } : {},
      connect(ctx),
    );
    return reportVerdict(ctx, v);
  },
};

/** Flags as the combined command takes them: required only for its own action. */
function optionalFlags(specs: CommandSpec[]): Record<string, FlagSpec> {
  const all: Record<string, FlagSpec> = {};
  for (const spec of specs)
    for (const [name, f] of Object.entries(spec.flags)) {
      const { required: _required, ...rest } = f;
      all[name] = rest;
    }
  return all;
}

const keysCommand: CommandSpec = {
  words: ['gcp', 'keys'],
  positionals: ['list|create'],
  usage:
    'gcp keys list --key-ring gcpkms://…/keyRings/R | gcp keys create --key gcpkms://…/cryptoKeys/K --algorithm ALG [--software] [--import-only]  [--endpoint HOST:PORT]',
  summary:
    'gcp keys list: keys of a ring with their versions; gcp keys create: a new Cloud HSM key',
  details: keysCreate.details ?? [],
  flags: optionalFlags([keysList, keysCreate]),
  async run(ctx) {
    const spec = action(ctx, 'keys', ['list', 'create']) === 'list' ? keysList : keysCreate;
    for (const [name, f] of Object.entries(spec.flags))
      if (f.required && ctx.values[name] === undefined)
        throw new UsageError(`gcp keys ${ctx.positionals[0]} needs --${name}.`);
    for (const name of Object.keys(ctx.values))
      if (name in keysCommand.flags && !(name in spec.flags) && ctx.values[name] !== undefined)
        throw new UsageError(`--${name} is not a flag of gcp keys ${ctx.positionals[0]}.`);
    return spec.run(ctx);
  },
};

export const GCP_COMMANDS: readonly CommandSpec[] = [
  keyRingsList,
  keysCommand,
  sign,
  importKey,
  attest,
];
