// Key families (docs/lifecycle.md): keys rotate | versions | due | disable | schedule-destroy |
// destroy, and encrypt / decrypt with the version the ciphertext names.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseDuration } from '../../main/config/index';
import type { CipherAlgorithm } from '../../main/hsm/types';
import type { DueItem, VersionRecord } from '../../main/lifecycle/index';
import { parseEnvelope } from '../../main/lifecycle/index';
import { EXIT, UsageError } from '../errors';
import { fields, table } from '../output';
import { CliRoom } from '../room';
import type { CommandContext, CommandSpec, FlagSpec } from '../spec';
import { listFlag, optionalString, stringFlag } from '../spec';

/** The test-only fixed clock (docs/lifecycle.md): never set it in production. */
export const TEST_CLOCK_ENV = 'OLOCUS_TEST_NOW';

export function lifecycleClock(env: Readonly<Record<string, string | undefined>>): {
  now?: () => Date;
} {
  const fixed = env[TEST_CLOCK_ENV];
  if (!fixed) return {};
  const t = Date.parse(fixed);
  if (Number.isNaN(t))
    throw new UsageError(`${TEST_CLOCK_ENV} is set but is not a date-time ("${fixed}").`);
  return { now: () => new Date(t) };
}

const KEY: FlagSpec = {
  type: 'string',
  value: 'URI',
  help: 'PKCS#11 URI whose object= is FAMILY, FAMILY@latest or FAMILY@N (a label with --config)',
  required: true,
};
const INVENTORY: FlagSpec = {
  type: 'string',
  value: 'FILE',
  help: 'the signed key inventory (default: keys/<token serial>.json in the workspace)',
};
const RECORDING: Record<string, FlagSpec> = {
  inventory: INVENTORY,
  ledger: {
    type: 'string',
    value: 'FILE',
    help: 'append the change to a hash-chained ledger (created if absent; an existing one must verify)',
  },
  actor: { type: 'string', value: 'NAME', help: 'who acted (default: the operating-system user)' },
  reason: { type: 'string', value: 'TEXT', help: 'why, recorded with the change' },
};

function recording(ctx: CommandContext) {
  const o: { inventory?: string; ledger?: string; actor?: string } = {};
  for (const k of ['inventory', 'ledger', 'actor'] as const) {
    const v = optionalString(ctx, k);
    if (v !== undefined) o[k] = v;
  }
  return o;
}

function tellLedger(
  ctx: CommandContext,
  l: { path: string; appended: number; head: string } | null,
) {
  if (l) ctx.out.note(`Ledger: ${l.appended} event(s) appended to ${l.path} (head ${l.head}).`);
  else
    ctx.out.note(
      'No ledger was written (give --ledger FILE); the signed inventory records the change.',
    );
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-');

function versionRows(versions: (VersionRecord & { token?: { end: string | null } | null })[]) {
  return table(
    ['V', 'LABEL', 'STATE', 'CREATED', 'PRIMARY SINCE', 'OVERLAP ENDS', 'TOKEN END', 'FINGERPRINT'],
    versions.map((v) => [
      String(v.version),
      v.label,
      v.state,
      day(v.createdAt),
      day(v.primarySince),
      day(v.overlapEndsAt ?? v.destroyAfter),
      v.token?.end ?? '-',
      (v.spkiSha256 ?? (v.kcv ? `KCV ${v.kcv}` : '-')).slice(0, 16),
    ]),
  );
}

export const keysRotateCommand: CommandSpec = {
  words: ['keys', 'rotate'],
  usage:
    'keys rotate --key URI [--if-due] [--reason TEXT] [--ledger FILE] [--inventory FILE] [--config F]',
  summary:
    'makes the next version of a key family, primary; older versions retire as the policy says',
  details: [
    'The key must be the primary (FAMILY@latest); a plain key is taken in as version 1 the first time.',
    'Policy: hsm.keys and hsm.keys.families.NAME of --config (defaults 90d, 7d, 5, 7d).',
    '--if-due makes nothing unless the primary is due (for unattended online tokens).',
  ],
  flags: {
    key: KEY,
    'if-due': { type: 'boolean', help: 'rotate only when due' },
    ...RECORDING,
    endpoint: {
      type: 'string',
      value: 'HOST:PORT',
      help: 'gcpkms:// keys: the Cloud KMS API endpoint (plaintext only for a loopback host)',
    },
  },
  async run(ctx) {
    const reason = optionalString(ctx, 'reason');
    if (stringFlag(ctx, 'key').startsWith('azurekv://')) return rotateAzure(ctx);
    if (stringFlag(ctx, 'key').startsWith('gcpkms://')) return rotateGcp(ctx);
    const r = await ctx.service.lifecycle.rotate(stringFlag(ctx, 'key'), {
      ...recording(ctx),
      ...(reason ? { reason } : {}),
      ...(ctx.values['if-due'] === true ? { ifDue: true } : {}),
    });
    ctx.out.result(r, () =>
      r.rotated
        ? [
            `Rotated "${r.family}": version ${r.primary.version} ("${r.primary.label}") is the primary.`,
            fields([
              ['URI', r.uri],
              [
                'Previous',
                r.previous
                  ? `version ${r.previous.version}, enabled until ${day(r.previous.overlapEndsAt)}`
                  : '-',
              ],
              ['Disabled', r.disabled.map((v) => `v${v.version}`).join(', ') || 'none'],
              ['Inventory', r.inventory],
            ]),
          ].join('\n')
        : `Not rotated: ${r.skipped}.`,
    );
    tellLedger(ctx, r.ledger);
    return EXIT.OK;
  },
};

const ENDPOINT: FlagSpec = {
  type: 'string',
  value: 'HOST:PORT',
  help: 'gcpkms:// keys: the Cloud KMS API endpoint (plaintext only for a loopback host)',
};

type Cloud = 'gcp' | 'azure';

function cloudOf(ctx: CommandContext): Cloud | null {
  const key = stringFlag(ctx, 'key');
  if (key.startsWith('gcpkms://')) return 'gcp';
  if (key.startsWith('azurekv://')) return 'azure';
  if (ctx.values.endpoint !== undefined)
    throw new UsageError('--endpoint is for gcpkms:// keys; a pkcs11: URI names its module.');
  return null;
}

/** Disables a Cloud KMS or Key Vault version; the cloud keeps the state. */
async function disableCloud(ctx: CommandContext, cloud: Cloud): Promise<number> {
  pkcs11Only(ctx, cloud === 'gcp' ? 'Cloud KMS' : 'Azure', ['reason', 'actor']);
  const key = stringFlag(ctx, 'key');
  if (cloud === 'azure') {
    if (ctx.values.endpoint !== undefined)
      throw new UsageError('An Azure key is reached through its vault host; drop --endpoint.');
    const r = await ctx.service.azure.disableVersion(key);
    ctx.out.result(r, () => `Disabled version ${r.version.version} of "${r.family}" in its vault.`);
    return EXIT.OK;
  }
  const endpoint = optionalString(ctx, 'endpoint');
  const r = await ctx.service.gcp.disableVersion(key, endpoint ? { endpoint } : {});
  ctx.out.result(
    r,
    () =>
      `Disabled ${r.version.name.split('/').pop()} of "${r.family}" in Cloud KMS (${r.version.state}).`,
  );
  return EXIT.OK;
}

/** Quorum first, then the cloud's own scheduled destruction. */
async function scheduleCloudDestroy(
  ctx: CommandContext,
  cloud: Cloud,
  room: CliRoom,
): Promise<number> {
  pkcs11Only(ctx, cloud === 'gcp' ? 'Cloud KMS' : 'Azure', ['reason', 'actor', 'delay']);
  const key = stringFlag(ctx, 'key');
  const run = stringFlag(ctx, 'run');
  if (cloud === 'azure') {
    if (ctx.values.endpoint !== undefined)
      throw new UsageError('An Azure key is reached through its vault host; drop --endpoint.');
    const r = await ctx.service.azure.scheduleDestroy(key, run, room);
    ctx.out.result(
      r,
      () =>
        `Deleted "${r.family}" from ${r.vault} with all its versions, approved by ${r.approval.approvedBy.join(', ')} (${r.approval.threshold} of ${r.approval.total}); the vault purges it on ${r.scheduledPurgeDate ?? 'its own schedule'} and it can be recovered until then.`,
    );
    return EXIT.OK;
  }
  const endpoint = optionalString(ctx, 'endpoint');
  const r = await ctx.service.gcp.scheduleDestroy(key, run, room, endpoint ? { endpoint } : {});
  ctx.out.result(
    r,
    () =>
      `${r.version.name.split('/').pop()} of "${r.family}" is ${r.version.state} in Cloud KMS, destroyed at ${r.destroyTime ?? "the key's scheduled time"}; approved by ${r.approval.approvedBy.join(', ')} (${r.approval.threshold} of ${r.approval.total}).`,
  );
  return EXIT.OK;
}

function pkcs11Only(ctx: CommandContext, cloud: string, more: string[] = []): void {
  for (const flag of ['if-due', 'ledger', 'inventory', ...more])
    if (ctx.values[flag] !== undefined)
      throw new UsageError(
        `--${flag} is for PKCS#11 key families; ${cloud} keeps its own versions.`,
      );
}

/** Cloud KMS rotates natively: a new version, made primary for ENCRYPT_DECRYPT keys. */
async function rotateGcp(ctx: CommandContext): Promise<number> {
  pkcs11Only(ctx, 'Cloud KMS');
  const endpoint = optionalString(ctx, 'endpoint');
  const r = await ctx.service.gcp.rotateKey(stringFlag(ctx, 'key'), endpoint ? { endpoint } : {});
  ctx.out.result(r, () =>
    [
      `Rotated "${r.family}" in Cloud KMS: the new version is ${r.primary.name.split('/').pop()}${r.madePrimary ? ', now primary' : ' (the latest; signing keys have no primary)'}.`,
      fields([
        ['URI', r.primary.address],
        [
          'Previous',
          r.previous ? `${r.previous.name.split('/').pop()} (${r.previous.state})` : '-',
        ],
      ]),
    ].join('\n'),
  );
  return EXIT.OK;
}

/** Azure Key Vault rotates natively (rotateKey); the vault keeps the versions and their states. */
async function rotateAzure(ctx: CommandContext): Promise<number> {
  pkcs11Only(ctx, 'Azure');
  const r = await ctx.service.azure.rotateKey(stringFlag(ctx, 'key'));
  ctx.out.result(r, () =>
    [
      `Rotated "${r.family}" in its vault: the new current version is ${r.primary.version}.`,
      fields([
        ['URI', r.primary.uri],
        ['Previous', `${r.previous.version} (still enabled)`],
        ['SPKI SHA-256', r.primary.spkiSha256 ?? '-'],
      ]),
    ].join('\n'),
  );
  return EXIT.OK;
}

export const keysVersionsCommand: CommandSpec = {
  words: ['keys', 'versions'],
  usage: 'keys versions --key URI [--inventory FILE]',
  summary: "a key family's versions with state, dates (inventory and token) and fingerprints",
  flags: { key: KEY, inventory: INVENTORY },
  async run(ctx) {
    const inventory = optionalString(ctx, 'inventory');
    const r = await ctx.service.lifecycle.versions(
      stringFlag(ctx, 'key'),
      inventory ? { inventory } : {},
    );
    ctx.out.result(r, () =>
      [
        `Key family "${r.family}"${r.recorded ? '' : ' (not in the inventory yet: a plain key, shown as version 1)'}:`,
        versionRows(r.versions),
        ...r.due.map((d) => `${d.overdue ? 'OVERDUE' : 'due'}: ${d.message}`),
      ].join('\n'),
    );
    return EXIT.OK;
  },
};

function dueLine(d: DueItem): string {
  return `${d.overdue ? 'OVERDUE ' : 'due     '} ${d.message}`;
}

export const keysDueCommand: CommandSpec = {
  words: ['keys', 'due'],
  usage: 'keys due [--hsm URI] [--within 30d] [--inventory FILE] [--config F]',
  summary:
    'what must rotate, be disabled or may be destroyed soon; exit 1 when something is overdue',
  details: [
    `--within defaults to each family's notification_advance. ${TEST_CLOCK_ENV}=ISO-DATE fixes the clock (tests only).`,
  ],
  flags: {
    hsm: {
      type: 'string',
      value: 'URI',
      help: 'PKCS#11 URI of the token (default: the --config token)',
    },
    within: { type: 'string', value: 'DURATION', help: 'how far ahead to look, e.g. 30d' },
    inventory: INVENTORY,
  },
  async run(ctx) {
    const within = optionalString(ctx, 'within');
    const inventory = optionalString(ctx, 'inventory');
    const r = await ctx.service.lifecycle.due(optionalString(ctx, 'hsm'), {
      ...(inventory ? { inventory } : {}),
      ...(within ? { withinMs: parseDuration(within) } : {}),
    });
    ctx.out.result(r, () =>
      r.items.length === 0
        ? `Nothing due in ${r.families} key famil${r.families === 1 ? 'y' : 'ies'} (as of ${r.now}).`
        : r.items.map(dueLine).join('\n'),
    );
    return r.overdue > 0 ? EXIT.NOT_VALID : EXIT.OK;
  },
};

export const keysDisableCommand: CommandSpec = {
  words: ['keys', 'disable'],
  usage: 'keys disable --key URI@N [--reason TEXT] [--ledger FILE] [--inventory FILE]',
  summary: 'disables a version that is not the primary (token end date today, usage flags off)',
  details: [
    "gcpkms://…/cryptoKeyVersions/N: the version's state becomes DISABLED (not the primary, not the only enabled one).",
    'azurekv://VAULT/keys/NAME/VERSION: the version is disabled (enabled=false); not the current version.',
  ],
  flags: { key: KEY, ...RECORDING, endpoint: ENDPOINT },
  async run(ctx) {
    const reason = optionalString(ctx, 'reason');
    const cloud = cloudOf(ctx);
    if (cloud) return disableCloud(ctx, cloud);
    const r = await ctx.service.lifecycle.disable(stringFlag(ctx, 'key'), {
      ...recording(ctx),
      ...(reason ? { reason } : {}),
    });
    ctx.out.result(
      r,
      () => `Disabled version ${r.version.version} ("${r.version.label}") of "${r.family}".`,
    );
    tellLedger(ctx, r.ledger);
    return EXIT.OK;
  },
};

export const keysScheduleDestroyCommand: CommandSpec = {
  words: ['keys', 'schedule-destroy'],
  usage:
    'keys schedule-destroy --key URI@N --run DIR --share NAME=FILE… [--delay 30d] [--ledger FILE]',
  summary: "schedules a version's destruction, approved by a quorum of the officers' token shares",
  details: [
    'DIR is the ceremony run that made the token: its officers present their token-PIN cards,',
    'each checked against the commitments it recorded. The version is disabled now and may be',
    'destroyed (keys destroy) once the delay has passed.',
    "gcpkms://…/cryptoKeyVersions/N: DESTROY_SCHEDULED; Cloud KMS destroys it after the key's own delay.",
    'azurekv://VAULT/keys/NAME: the key is deleted with all versions, recoverable until the vault purges it.',
  ],
  flags: {
    key: KEY,
    run: {
      type: 'string',
      value: 'DIR',
      help: 'the ceremony run whose officers approve',
      required: true,
    },
    share: {
      type: 'string',
      value: 'NAME=FILE',
      help: "an officer's share card text",
      multiple: true,
    },
    passphrase: {
      type: 'string',
      value: 'NAME=SOURCE',
      help: "where an officer's share passphrase comes from (env:VAR or file:PATH)",
      multiple: true,
    },
    delay: {
      type: 'string',
      value: 'DURATION',
      help: 'how long before it may be destroyed (default 30d)',
    },
    ...RECORDING,
    endpoint: ENDPOINT,
  },
  async run(ctx) {
    const delay = optionalString(ctx, 'delay');
    const room = new CliRoom({
      shares: listFlag(ctx, 'share'),
      passphrases: listFlag(ctx, 'passphrase'),
      note: (t) => ctx.out.note(t),
      interactive: Boolean(process.stdin.isTTY),
    });
    const cloud = cloudOf(ctx);
    if (cloud) return scheduleCloudDestroy(ctx, cloud, room);
    const r = await ctx.service.lifecycle.scheduleDestroy(
      stringFlag(ctx, 'key'),
      stringFlag(ctx, 'run'),
      room,
      {
        ...recording(ctx),
        ...(delay ? { delayMs: parseDuration(delay) } : {}),
      },
    );
    ctx.out.result(
      r,
      () =>
        `Version ${r.version.version} ("${r.version.label}") of "${r.family}" is scheduled for destruction after ${r.version.destroyAfter}, approved by ${r.approval.approvedBy.join(', ')} (${r.approval.threshold} of ${r.approval.total}).`,
    );
    tellLedger(ctx, r.ledger);
    return EXIT.OK;
  },
};

export const keysDestroyCommand: CommandSpec = {
  words: ['keys', 'destroy'],
  usage: 'keys destroy --key URI@N [--ledger FILE] [--inventory FILE]',
  summary: 'destroys a version scheduled for destruction once its delay has passed',
  flags: { key: KEY, ...RECORDING },
  async run(ctx) {
    const r = await ctx.service.lifecycle.destroy(stringFlag(ctx, 'key'), recording(ctx));
    ctx.out.result(
      r,
      () => `Destroyed version ${r.version.version} ("${r.version.label}") of "${r.family}".`,
    );
    tellLedger(ctx, r.ledger);
    return EXIT.OK;
  },
};

const CIPHERS: readonly CipherAlgorithm[] = ['aes-gcm', 'rsa-oaep-sha256', 'rsa-oaep-sha1'];

async function readIn(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new UsageError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
}

async function writeOut(path: string, data: Uint8Array | string): Promise<void> {
  if (existsSync(path)) throw new UsageError(`${path} already exists; choose another --out.`);
  await writeFile(path, data, { flag: 'wx', mode: 0o600 });
}

export const encryptCommand: CommandSpec = {
  words: ['encrypt'],
  usage:
    'encrypt --key URI --in FILE --out FILE [--alg aes-gcm|rsa-oaep-sha256|rsa-oaep-sha1] [--inventory FILE]',
  summary: "encrypts with a key family's primary version; the output names the version",
  flags: {
    key: KEY,
    in: { type: 'string', value: 'FILE', help: 'the plaintext', required: true },
    out: {
      type: 'string',
      value: 'FILE',
      help: 'the ciphertext envelope (JSON; must not exist)',
      required: true,
    },
    alg: {
      type: 'string',
      value: 'ALG',
      help: `one of ${CIPHERS.join(', ')} (default: aes-gcm or OAEP-SHA-256)`,
    },
    inventory: INVENTORY,
  },
  async run(ctx) {
    const alg = optionalString(ctx, 'alg');
    if (alg !== undefined && !CIPHERS.includes(alg as CipherAlgorithm))
      throw new UsageError(`Unknown --alg "${alg}"; choose one of ${CIPHERS.join(', ')}.`);
    const out = stringFlag(ctx, 'out');
    if (existsSync(out)) throw new UsageError(`${out} already exists; choose another --out.`);
    const inventory = optionalString(ctx, 'inventory');
    const e = await ctx.service.lifecycle.encrypt(
      stringFlag(ctx, 'key'),
      await readIn(stringFlag(ctx, 'in')),
      {
        ...(inventory ? { inventory } : {}),
        ...(alg ? { alg: alg as CipherAlgorithm } : {}),
      },
    );
    await writeOut(out, `${JSON.stringify(e, null, 2)}\n`);
    const { ciphertext: _c, ...doc } = e;
    ctx.out.result(
      { ...doc, out },
      () => `Encrypted with version ${e.version} ("${e.label}", ${e.alg}); written to ${out}.`,
    );
    return EXIT.OK;
  },
};

export const decryptCommand: CommandSpec = {
  words: ['decrypt'],
  usage: 'decrypt --key URI --in FILE --out FILE [--inventory FILE]',
  summary: 'decrypts an envelope with the version it names, if that version is still enabled',
  flags: {
    key: { ...KEY, help: 'PKCS#11 URI of the token (object=, if given, must be the family)' },
    in: { type: 'string', value: 'FILE', help: 'the ciphertext envelope', required: true },
    out: {
      type: 'string',
      value: 'FILE',
      help: 'where to write the plaintext (must not exist)',
      required: true,
    },
    inventory: INVENTORY,
  },
  async run(ctx) {
    const out = stringFlag(ctx, 'out');
    if (existsSync(out)) throw new UsageError(`${out} already exists; choose another --out.`);
    const file = stringFlag(ctx, 'in');
    const envelope = parseEnvelope(Buffer.from(await readIn(file)).toString('utf8'), file);
    const inventory = optionalString(ctx, 'inventory');
    const r = await ctx.service.lifecycle.decrypt(
      stringFlag(ctx, 'key'),
      envelope,
      inventory ? { inventory } : {},
    );
    await writeOut(out, r.plaintext);
    const doc = {
      family: r.family,
      version: r.version,
      state: r.state,
      bytes: r.plaintext.length,
      out,
    };
    r.plaintext.fill(0);
    ctx.out.result(
      doc,
      () =>
        `Decrypted with version ${doc.version} of "${doc.family}" (${doc.state}); ${doc.bytes} bytes written to ${out}.`,
    );
    return EXIT.OK;
  },
};

export const LIFECYCLE_COMMANDS: readonly CommandSpec[] = [
  keysRotateCommand,
  keysVersionsCommand,
  keysDueCommand,
  keysDisableCommand,
  keysScheduleDestroyCommand,
  keysDestroyCommand,
  encryptCommand,
  decryptCommand,
];
