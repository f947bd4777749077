// What a monitor watches besides the config's token: the members of the config's HSM group,
// cloud keys (a sign-and-verify round trip through the Azure or Cloud KMS provider, never a
// PKCS#11 call) and the key families' rotation dates from the token's signed inventory.
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { parseKeyAddress } from '../hsm/key-address';
import type { HsmGroup } from '../cluster/index';
import type { Monitor, ProbeFn, RotationDate } from '../monitoring/index';
import type { AzureOperations } from './azure';
import type { GcpOperations } from './gcp';
import type { LifecycleOperations } from './lifecycle';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** The parts of the service the sources use (CeremonyService has them). */
export interface SourceService {
  openGroup(key: string): Promise<HsmGroup>;
  readonly azure: AzureOperations;
  readonly gcp: GcpOperations;
  readonly lifecycle: LifecycleOperations;
}

export interface WatchRequest {
  /** group:NAME/LABEL: every member of the config's cluster group, holding LABEL. */
  group?: string;
  /** azurekv://… or gcpkms://…/cryptoKeyVersions/N addresses. */
  cloudKeys?: readonly string[];
  /** Read the token's key inventory for rotation dates (none while it has no families). */
  rotation?: boolean;
}

/** A cloud key's probe: sign 32 fresh bytes and verify them, each timed as its operation. */
export function cloudProbe(service: SourceService, address: string): ProbeFn {
  const a = parseKeyAddress(address);
  if (a.scheme === 'azurekv') {
    return async (time) => {
      const data = randomBytes(32);
      const s = await time('sign', () => service.azure.sign(address, data));
      const v = await time('verify', () => service.azure.verify(address, data, s.signature));
      if (!v.valid) throw new Error(`The signature of the probe by ${address} does not verify.`);
    };
  }
  if (a.scheme === 'gcpkms') {
    if (a.version === undefined)
      throw invalid(
        `${address} names no key version; a Cloud KMS key is probed by one (…/cryptoKeyVersions/N).`,
      );
    return async (time) => {
      // Cloud KMS signs a digest made here; the result is verified with the public key here too.
      const s = await time('sign', () => service.gcp.sign(address, randomBytes(32)));
      if (!s.verifiedLocally)
        throw new Error(`The signature of the probe by ${address} does not verify.`);
    };
  }
  throw invalid(
    `A cloud key to watch is an azurekv:// or gcpkms:// address, and ${address} is neither; PKCS#11 tokens come from the config.`,
  );
}

/** The rotation dates of every family's primary, however far off (the gauge shows them all). */
export async function rotationDates(service: SourceService): Promise<RotationDate[]> {
  const far = 100 * 365 * 24 * 3600 * 1000;
  const due = await service.lifecycle.due(undefined, { withinMs: far });
  // Measured from the lifecycle's clock, so the gauge agrees with `keys due`.
  const now = Date.parse(due.now);
  return due.items
    .filter((i) => i.action === 'rotate')
    .map((i) => ({
      family: i.family,
      version: i.version,
      label: i.label,
      dueAt: i.dueAt,
      secondsUntil: Math.round((Date.parse(i.dueAt) - now) / 1000),
    }));
}

/** Adds the requested sources to the monitor; a group is opened (and proved) here. */
export async function watchSources(
  monitor: Monitor,
  service: SourceService,
  request: WatchRequest,
): Promise<{ groups: HsmGroup[] }> {
  // Addresses are checked before anything is opened: a mistyped one costs nothing.
  const probes = (request.cloudKeys ?? []).map((k) => [k, cloudProbe(service, k)] as const);
  const groups: HsmGroup[] = [];
  if (request.group !== undefined) {
    const g = await service.openGroup(request.group);
    groups.push(g);
    monitor.addGroup({
      name: g.name,
      checkNow: () => g.checkNow(),
      report: () => g.report(),
      close: () => g.close(),
    });
  }
  for (const [k, p] of probes) monitor.addProbe(k, p);
  if (request.rotation) monitor.addRotationSource(() => rotationDates(service));
  return { groups };
}
