// keys disable | schedule-destroy for cloud keys (docs/lifecycle.md): Cloud KMS and Key Vault
// keep the state themselves; destruction still waits for the quorum of the run's officers.
import { EXIT, UsageError } from '../errors';
import type { CliRoom } from '../room';
import type { CommandContext, FlagSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { pkcs11Only } from './lifecycle-flags';

export const ENDPOINT: FlagSpec = {
  type: 'string',
  value: 'HOST:PORT',
  help: 'gcpkms:// keys: the Cloud KMS API endpoint (plaintext only for a loopback host)',
};

export type Cloud = 'gcp' | 'azure';

export function cloudOf(ctx: CommandContext): Cloud | null {
  const key = stringFlag(ctx, 'key');
  if (key.startsWith('gcpkms://')) return 'gcp';
  if (key.startsWith('azurekv://')) return 'azure';
  if (ctx.values.endpoint !== undefined)
    throw new UsageError('--endpoint is for gcpkms:// keys; a pkcs11: URI names its module.');
  return null;
}

/** Disables a Cloud KMS or Key Vault version; the cloud keeps the state. */
export async function disableCloud(ctx: CommandContext, cloud: Cloud): Promise<number> {
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
export async function scheduleCloudDestroy(
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
