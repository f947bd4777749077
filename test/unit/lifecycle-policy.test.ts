// The lifecycle's pure parts: family addresses, the policy's refusals, and what is due on a
// fixed clock.
import { describe, expect, it } from 'vitest';
import {
  checkPolicy,
  dueItems,
  parseFamilyLabel,
  policyFor,
  versionId,
} from '../../src/main/lifecycle/index';
import type { FamilyRecord, VersionRecord } from '../../src/main/lifecycle/index';
import { parseHsmConfig } from '../../src/main/config/index';

const DAY = 86_400_000;

function version(n: number, extra: Partial<VersionRecord>): VersionRecord {
  return {
    version: n,
    label: `k@v${n}`,
    id: '',
    type: 'ec-p256',
    class: 'private',
    spkiSha256: null,
    kcv: null,
    state: 'primary',
    createdAt: '2027-01-01T00:00:00.000Z',
    adopted: false,
    primarySince: '2027-01-01T00:00:00.000Z',
    replacedAt: null,
    overlapEndsAt: null,
    disabledAt: null,
    destroyScheduledAt: null,
    destroyAfter: null,
    destroyedAt: null,
    metadata: {},
    ...extra,
  };
}

describe('family addresses', () => {
  it('reads @latest, @N and @vN; a plain label stays plain; a bad version is refused', () => {
    expect(parseFamilyLabel('root@latest')).toEqual({ family: 'root', spec: { kind: 'latest' } });
    expect(parseFamilyLabel('root@3')).toEqual({ family: 'root', spec: { kind: 'number', n: 3 } });
    expect(parseFamilyLabel('root@v12')).toEqual({
      family: 'root',
      spec: { kind: 'number', n: 12 },
    });
    expect(parseFamilyLabel('root-2026')).toEqual({ family: 'root-2026', spec: { kind: 'plain' } });
    expect(() => parseFamilyLabel('root@03')).toThrow(
      '"root@03" names no version: write root@latest, root@3 or root@v3.',
    );
  });

  it('CKA_ID: the same 12-byte prefix for every version of a family, then the number', () => {
    const a = Buffer.from(versionId('root', 2)).toString('hex');
    const b = Buffer.from(versionId('root', 3)).toString('hex');
    expect(a.slice(0, 24)).toBe(b.slice(0, 24));
    expect(a.slice(24)).toBe('00000002');
    expect(Buffer.from(versionId('other', 2)).toString('hex').slice(0, 24)).not.toBe(
      a.slice(0, 24),
    );
  });
});

describe('policy', () => {
  it('max_versions below 1 and an overlap not shorter than the interval are refused', () => {
    const base = {
      rotationIntervalMs: 30 * DAY,
      overlapPeriodMs: 7 * DAY,
      maxVersions: 5,
      notificationAdvanceMs: DAY,
    };
    expect(() => checkPolicy('root', { ...base, maxVersions: 0 })).toThrow(
      'max_versions for key family "root" is 0; it must be at least 1 (the primary itself). Nothing was changed.',
    );
    expect(() => checkPolicy('root', { ...base, overlapPeriodMs: 30 * DAY })).toThrow(
      'overlap_period (30d) for key family "root" must be shorter than rotation_interval (30d). Nothing was changed.',
    );
  });

  it('a family override wins over hsm.keys, field by field', () => {
    const { config } = parseHsmConfig(
      'hsm:\n  provider: softhsm\n  keys:\n    rotation_interval: 30d\n    families:\n      root:\n        max_versions: 2\n',
      'c.yaml',
    );
    expect(policyFor('root', config.hsm.keys)).toEqual({
      rotationIntervalMs: 30 * DAY,
      overlapPeriodMs: 7 * DAY,
      maxVersions: 2,
      notificationAdvanceMs: 7 * DAY,
    });
    expect(policyFor('other', config.hsm.keys).maxVersions).toBe(5);
  });
});

describe('what is due', () => {
  const f: FamilyRecord = {
    name: 'k',
    versions: [
      version(1, { state: 'destroy-scheduled', destroyAfter: '2027-02-01T00:00:00.000Z' }),
      version(2, { state: 'enabled', overlapEndsAt: '2027-01-08T00:00:00.000Z' }),
      version(3, {}),
    ],
  };
  const p = policyFor('k', undefined);

  it('lists rotation, the end of an overlap and a destruction that may go ahead; only the first two can be overdue', () => {
    const at = new Date('2027-04-15T00:00:00.000Z');
    expect(dueItems(f, p, at, 0).map((i) => [i.action, i.version, i.overdue])).toEqual([
      ['disable', 2, true],
      ['destroy', 1, false],
      ['rotate', 3, true],
    ]);
    const early = new Date('2027-01-02T00:00:00.000Z');
    expect(dueItems(f, p, early, 0)).toEqual([]);
    expect(dueItems(f, p, early, 7 * DAY).map((i) => i.message)).toEqual([
      'k v2: the end of its overlap (disable it) is due 2027-01-08.',
    ]);
  });
});
