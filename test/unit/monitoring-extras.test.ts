// The monitor's alerts for group members and rotation dates, and what the webhook carries of
// them: a member out fires and a healthy or failing one does not; a date reached fires and a
// future one does not; the app's measure (for its ledger note) never reaches a receiver.
import { describe, expect, it } from 'vitest';
import { AlertTracker } from '../../src/main/monitoring/alerts';
import { memberCandidates, rotationCandidates } from '../../src/main/monitoring/extras';
import { webhookPayload } from '../../src/main/monitoring/webhook';

describe('group member alerts', () => {
  it('only a member that is out fires, with group and member labels and its last error', () => {
    const c = memberCandidates([
      {
        group: 'signers',
        members: [
          { name: 'a', state: 'healthy', lastError: null },
          { name: 'b', state: 'failing', lastError: 'HSM error 100 (connection failed)' },
          { name: 'c', state: 'out', lastError: 'HSM error 103 (token removed)' },
          { name: 'd', state: 'recovering', lastError: null },
        ],
      },
    ]);
    expect(c).toEqual([
      {
        labels: {
          alertname: 'OlocusHsmGroupMemberOut',
          severity: 'critical',
          group: 'signers',
          member: 'c',
        },
        annotations: {
          summary: 'HSM group signers: member c is out of service',
          description: 'HSM error 103 (token removed)',
        },
      },
    ]);
  });
});

describe('rotation alerts', () => {
  const date = (family: string, secondsUntil: number) => ({
    family,
    version: 3,
    label: `${family}@v3`,
    dueAt: '2027-04-01T00:00:00.000Z',
    secondsUntil,
  });

  it('fires at the date and after it, not before', () => {
    const c = rotationCandidates([date('late', -3600), date('today', 0), date('soon', 60)]);
    expect(c.map((x) => x.labels.family)).toEqual(['late', 'today']);
    expect(c[0]).toEqual({
      labels: { alertname: 'OlocusKeyRotationDue', severity: 'warning', family: 'late' },
      annotations: {
        summary: 'Key family late is due for rotation',
        description: 'late v3 (late@v3) was due for rotation on 2027-04-01; run keys rotate.',
      },
      measure: { value: -3600, threshold: 0 },
    });
  });

  it('resolves once the family is rotated, and the webhook carries no measure', () => {
    const t = new AlertTracker();
    const firing = t.update(rotationCandidates([date('root', -10)]), new Date(0));
    expect(firing[0]!.measure).toEqual({ value: -10, threshold: 0 });
    const resolved = t.update(rotationCandidates([date('root', 86400 * 90)]), new Date(1000));
    expect(resolved.map((a) => [a.status, a.labels.family, a.endsAt])).toEqual([
      ['resolved', 'root', '1970-01-01T00:00:01.000Z'],
    ]);
    const body = JSON.parse(JSON.stringify(webhookPayload([...firing, ...resolved]))) as {
      alerts: Record<string, unknown>[];
    };
    for (const a of body.alerts) expect(Object.keys(a)).not.toContain('measure');
    expect(body.alerts).toHaveLength(2);
  });
});
