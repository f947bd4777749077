// keys rotate | versions | due (docs/lifecycle.md): the next version of a family (natively in
// Azure and Cloud KMS), a family's versions, and what must rotate, be disabled or destroyed soon.
import { parseDuration } from '../../main/config/index';
import type { DueItem, VersionRecord } from '../../main/lifecycle/index';
import { EXIT } from '../errors';
import { fields, table } from '../output';
import type { CommandContext, CommandSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import {
  INVENTORY,
  KEY,
  RECORDING,
  TEST_CLOCK_ENV,
  day,
  pkcs11Only,
  recording,
  tellLedger,
} from './lifecycle-flags';

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
    for (const n of r.tokenNotices ?? []) ctx.out.warn(n);
    tellLedger(ctx, r.ledger);
    return EXIT.OK;
  },
};

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
