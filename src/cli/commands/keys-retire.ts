// keys disable | schedule-destroy | destroy (docs/lifecycle.md): retiring a version that is not
// the primary; destruction is scheduled under a quorum of the run's officers.
import { parseDuration } from '../../main/config/index';
import { EXIT } from '../errors';
import type { CommandSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { ENDPOINT, cloudOf, disableCloud, scheduleCloudDestroy } from './keys-cloud-retire';
import { KEY, RECORDING, recording, tellLedger } from './lifecycle-flags';
import { OFFICER_FLAGS, roomFromFlags } from './officer-flags';

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
    if (r.tokenNotice) ctx.out.warn(r.tokenNotice);
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
    ...OFFICER_FLAGS,
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
    const room = roomFromFlags(ctx);
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
    if (r.tokenNotice) ctx.out.warn(r.tokenNotice);
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
