// Pure helpers behind the wizard's screens: validation issues with line and column, attendance,
// quorum progress, step states from the ledger, paths in the run directory.
import { describe, expect, it } from 'vitest';
import {
  groupHex,
  inRunDir,
  quorumProgress,
  scriptIssues,
  secretName,
  suggestRunDir,
} from '../../src/renderer/src/logic/text';
import { stepStatuses } from '../../src/renderer/src/logic/steps';
import { missingFromRoom, peopleOf } from '../../src/renderer/src/store/session-slice';
import type { Plan } from '../../src/renderer/src/store/session-slice';
import { moduleUri } from '../../src/renderer/src/screens/Hsm';

const plan = {
  ceremony: { id: 'root-ca-2026', name: 'Root', location: 'Room' },
  hsm: 'pkcs11:token=olocus-root-2026?module-path=/usr/lib/softhsm/libsofthsm2.so',
  targets: [],
  quorum: '3 of 5',
  participants: {
    administrator: 'Ada Administrator',
    officers: ['Alice Archer', 'Bob Baker'],
    witnesses: ['Walter Witness'],
    auditor: 'Audrey Auditor',
  },
  steps: [],
} as Plan;

describe('script review', () => {
  it('turns every "file:line:col: message" of a refused script into an issue with its line and column', () => {
    const msg =
      '2 problems in /x/bad.yaml:\n  /x/bad.yaml:4:3: quorum.threshold: 6 is more than the 5 officers\n  /x/bad.yaml:12:9: steps[1].type: unknown step "key.magic"';
    expect(scriptIssues(msg)).toEqual([
      { line: 4, col: 3, message: 'quorum.threshold: 6 is more than the 5 officers' },
      { line: 12, col: 9, message: 'steps[1].type: unknown step "key.magic"' },
    ]);
    expect(scriptIssues('/x/one.yaml:1:1: not YAML')).toEqual([
      { line: 1, col: 1, message: 'not YAML' },
    ]);
    expect(scriptIssues('The file /x/none.yaml does not exist.')).toEqual([
      { line: null, col: null, message: 'The file /x/none.yaml does not exist.' },
    ]);
  });
});

describe('attendance', () => {
  it('lists everyone the plan names by role and blocks the start until each is ticked', () => {
    expect(peopleOf(plan).map((p) => `${p.role}:${p.name}`)).toEqual([
      'administrator:Ada Administrator',
      'officer:Alice Archer',
      'officer:Bob Baker',
      'witness:Walter Witness',
      'auditor:Audrey Auditor',
    ]);
    expect(missingFromRoom(plan, {})).toHaveLength(5);
    expect(
      missingFromRoom(plan, {
        'Ada Administrator': true,
        'Alice Archer': true,
        'Bob Baker': false,
      }),
    ).toEqual(['Bob Baker', 'Walter Witness', 'Audrey Auditor']);
    const all = Object.fromEntries(peopleOf(plan).map((p) => [p.name, true]));
    expect(missingFromRoom(plan, all)).toEqual([]);
  });
});

describe('screens', () => {
  it('shows quorum progress as "2 of 3" and never more than needed', () => {
    expect(quorumProgress(2, 3)).toBe('2 of 3');
    expect(quorumProgress(4, 3)).toBe('3 of 3');
  });

  it('reads step states off the ledger: started, then done only at step.completed', () => {
    const row = (seq: number, step: string | null, type: string) => ({
      seq,
      time: '',
      actor: 'a',
      step,
      type,
      hash: '',
    });
    const ids = ['init-token', 'root-key', 'backup'];
    expect(stepStatuses(ids, [])).toEqual({
      'init-token': 'pending',
      'root-key': 'pending',
      backup: 'pending',
    });
    const ledger = [
      row(1, null, 'ceremony.started'),
      row(2, 'init-token', 'step.started'),
      row(3, 'init-token', 'step.completed'),
      row(4, 'root-key', 'step.started'),
      row(5, 'root-key', 'key.generated'),
      row(6, 'elsewhere', 'step.completed'),
    ];
    expect(stepStatuses(ids, ledger)).toEqual({
      'init-token': 'done',
      'root-key': 'running',
      backup: 'pending',
    });
  });

  it('makes card paths absolute in the run directory and groups fingerprints for reading aloud', () => {
    expect(inRunDir('/runs/a/', 'shares/alice-archer.pdf')).toBe('/runs/a/shares/alice-archer.pdf');
    expect(inRunDir('/runs/a', '/abs/card.pdf')).toBe('/abs/card.pdf');
    expect(groupHex('0123456789abcdef01')).toBe('0123 4567 89ab cdef 01');
    expect(suggestRunDir('/w/', 'root-ca-2026', new Date('2026-11-29T10:48:37Z'))).toBe(
      '/w/root-ca-2026-20261129-1048',
    );
  });

  it('names split secrets as the room says them', () => {
    expect(secretName('token-pins')).toBe("the ceremony token's PINs");
    expect(secretName('backup-kek:backup-kek-2026')).toBe('backup key backup-kek-2026');
    expect(secretName('other')).toBe('other');
  });

  it('asks the HSM screen about the module when the token the script names does not exist yet', () => {
    expect(moduleUri(plan.hsm)).toBe('pkcs11:?module-path=/usr/lib/softhsm/libsofthsm2.so');
    expect(moduleUri('pkcs11:token=x')).toBe('pkcs11:');
  });
});
