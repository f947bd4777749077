// Monitor targets beyond one PKCS#11 token: the members of an HSM group (their failover state,
// one gauge per member), a probe written as a function (a cloud key's sign-and-verify round
// trip through the cloud provider), and the key lifecycle's rotation dates. Each gives the
// monitor readings and, through the same AlertTracker, alerts in Alertmanager's shape.
import type { Operation } from './metrics';

export const MEMBER_STATES = ['healthy', 'failing', 'out', 'recovering'] as const;
export type MemberStateName = (typeof MEMBER_STATES)[number];

export const EXTRA_ALERT_NAMES = {
  memberOut: 'OlocusHsmGroupMemberOut',
  rotationDue: 'OlocusKeyRotationDue',
} as const;

/** What the monitor needs of an HSM group (cluster/HsmGroup has it). */
export interface GroupSource {
  name: string;
  /** A health round on every member that is not healthy. */
  checkNow(): Promise<void>;
  report(): { name: string; state: MemberStateName; lastError: string | null }[];
  /** Closes the members when the monitor stops (the monitor opened the group). */
  close?(): Promise<void>;
}

/** Runs `fn` timed as `operation` on the target (latency histogram, error counter, window). */
export type Timer = <T>(operation: Operation, fn: () => Promise<T>) => Promise<T>;

/** An active probe of a target that is not a PKCS#11 token: resolves when it passed. */
export type ProbeFn = (time: Timer) => Promise<void>;

/** A key family's primary and when it must be rotated (lifecycle `keys due`). */
export interface RotationDate {
  family: string;
  version: number;
  label: string;
  dueAt: string;
  /** Seconds from the lifecycle's now until dueAt; 0 or less once due. */
  secondsUntil: number;
}

export type RotationSource = () => Promise<RotationDate[]>;

import type { Candidate } from './alerts';

export interface GroupReading {
  group: string;
  members: { name: string; state: MemberStateName; lastError: string | null }[];
}

/** A member that failover took out of service fires until it is readmitted. */
export function memberCandidates(groups: readonly GroupReading[]): Candidate[] {
  return groups.flatMap((g) =>
    g.members
      .filter((m) => m.state === 'out')
      .map((m) => ({
        labels: {
          alertname: EXTRA_ALERT_NAMES.memberOut,
          severity: 'critical',
          group: g.group,
          member: m.name,
        },
        annotations: {
          summary: `HSM group ${g.group}: member ${m.name} is out of service`,
          description: m.lastError ?? 'The member failed its checks and was taken out.',
        },
      })),
  );
}

/** A primary whose rotation date has passed fires until the family is rotated. */
export function rotationCandidates(dates: readonly RotationDate[]): Candidate[] {
  return dates
    .filter((d) => d.secondsUntil <= 0)
    .map((d) => ({
      labels: { alertname: EXTRA_ALERT_NAMES.rotationDue, severity: 'warning', family: d.family },
      annotations: {
        summary: `Key family ${d.family} is due for rotation`,
        description: `${d.family} v${d.version} (${d.label}) was due for rotation on ${d.dueAt.slice(0, 10)}; run keys rotate.`,
      },
      measure: { value: d.secondsUntil, threshold: 0 },
    }));
}
