// The rotation policy of a family (hsm.keys, overridden by hsm.keys.families.NAME) and what it
// says is due at a given moment. Pure: the clock is a parameter.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { KeySettings } from '../config/index';
import { formatDuration } from '../config/index';
import type { FamilyRecord, VersionRecord } from './model';

export interface RotationPolicy {
  rotationIntervalMs: number;
  overlapPeriodMs: number;
  maxVersions: number;
  notificationAdvanceMs: number;
}

const DAY = 86_400_000;

/** The policy without a config file: the seed's defaults (90d, 7d, 5, 7d). */
export const DEFAULT_POLICY: RotationPolicy = {
  rotationIntervalMs: 90 * DAY,
  overlapPeriodMs: 7 * DAY,
  maxVersions: 5,
  notificationAdvanceMs: 7 * DAY,
};

/**
 * The family's policy. The config schema already refuses bad values in a file; this check is for
 * callers that build settings by hand (the service, the app), with the same sentences.
 */
export function policyFor(family: string, keys: KeySettings | undefined): RotationPolicy {
  const f = keys?.families?.[family];
  const p: RotationPolicy = {
    rotationIntervalMs:
      f?.rotation_interval ?? keys?.rotation_interval ?? DEFAULT_POLICY.rotationIntervalMs,
    overlapPeriodMs: f?.overlap_period ?? keys?.overlap_period ?? DEFAULT_POLICY.overlapPeriodMs,
    maxVersions: f?.max_versions ?? keys?.max_versions ?? DEFAULT_POLICY.maxVersions,
    notificationAdvanceMs:
      f?.notification_advance ?? keys?.notification_advance ?? DEFAULT_POLICY.notificationAdvanceMs,
  };
  checkPolicy(family, p);
  return p;
}

export function checkPolicy(family: string, p: RotationPolicy): void {
  if (!Number.isInteger(p.maxVersions) || p.maxVersions < 1)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `max_versions for key family "${family}" is ${p.maxVersions}; it must be at least 1 (the primary itself). Nothing was changed.`,
    );
  if (p.overlapPeriodMs >= p.rotationIntervalMs)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `overlap_period (${formatDuration(p.overlapPeriodMs)}) for key family "${family}" must be shorter than rotation_interval (${formatDuration(p.rotationIntervalMs)}). Nothing was changed.`,
    );
}

export type DueAction = 'rotate' | 'disable' | 'destroy';

export interface DueItem {
  family: string;
  version: number;
  label: string;
  action: DueAction;
  /** When the action falls due (ISO 8601). */
  dueAt: string;
  /** Past due at `now`: `keys due` exits 1. A destruction that may now go ahead is not overdue. */
  overdue: boolean;
  message: string;
}

const day = (iso: string) => iso.slice(0, 10);

/** When the primary must be replaced: primarySince (or createdAt) + rotation_interval. */
export function rotationDueAt(v: VersionRecord, p: RotationPolicy): Date {
  return new Date(Date.parse(v.primarySince ?? v.createdAt) + p.rotationIntervalMs);
}

/** What must happen in the family by `now + withinMs`, oldest first. */
export function dueItems(
  f: FamilyRecord,
  p: RotationPolicy,
  now: Date,
  withinMs: number,
): DueItem[] {
  const horizon = now.getTime() + withinMs;
  const items: DueItem[] = [];
  const add = (v: VersionRecord, action: DueAction, at: Date, what: string) => {
    if (at.getTime() > horizon) return;
    const overdue = action !== 'destroy' && at.getTime() <= now.getTime();
    items.push({
      family: f.name,
      version: v.version,
      label: v.label,
      action,
      dueAt: at.toISOString(),
      overdue,
      message: `${f.name} v${v.version}: ${what} ${overdue ? 'was due' : action === 'destroy' && at <= now ? 'may go ahead since' : 'is due'} ${day(at.toISOString())}.`,
    });
  };
  for (const v of f.versions) {
    if (v.state === 'primary') add(v, 'rotate', rotationDueAt(v, p), 'rotation');
    else if (v.state === 'enabled' && v.overlapEndsAt)
      add(v, 'disable', new Date(v.overlapEndsAt), 'the end of its overlap (disable it)');
    else if (v.state === 'destroy-scheduled' && v.destroyAfter)
      add(v, 'destroy', new Date(v.destroyAfter), 'destruction');
  }
  return items.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}
