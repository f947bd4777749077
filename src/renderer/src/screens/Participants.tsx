// Screen 4: who the script names, by role, and the attendance check. The run starts only when
// every person named has been ticked present.
import { api } from '../api/client';
import { ErrorNote, Note, Screen } from '../components/common';
import { startRun } from '../logic/start';
import { appStore, useApp } from '../store';
import { missingFromRoom, peopleOf } from '../store/session-slice';

const ROLE_NAMES = {
  administrator: 'Administrator',
  officer: 'Officer (share custodian)',
  witness: 'Witness',
  auditor: 'Auditor',
} as const;

function sessionStore(): Storage | null {
  try {
    return sessionStorage;
  } catch {
    return null;
  }
}

export function Participants() {
  const plan = useApp((s) => s.script?.plan ?? null);
  const present = useApp((s) => s.present);
  const outDir = useApp((s) => s.outDir);
  const runState = useApp((s) => s.runState);
  const runError = useApp((s) => s.runError);

  if (!plan) {
    return (
      <Screen
        title="Participants"
        intro="Review a script first: the participants come from its roles."
      >
        <button type="button" onClick={() => appStore.getState().go('home')}>
          Choose a script
        </button>
      </Screen>
    );
  }
  const people = peopleOf(plan);
  const missing = missingFromRoom(plan, present);
  const busy = runState === 'starting' || runState === 'running';
  const canStart = missing.length === 0 && outDir.trim() !== '' && !busy;

  const start = async () => {
    const ok = await startRun(api(), appStore, sessionStore());
    if (ok) appStore.getState().go('keys');
  };

  return (
    <Screen
      title="Participants"
      intro={`Quorum: ${plan.quorum}. Call each name; tick the person present when they answer and show identification.`}
    >
      <section className="panel" aria-labelledby="attendance">
        <h2 id="attendance">Attendance</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Present</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => {
              const id = `present-${p.role}-${p.name.replace(/\W+/g, '-')}`;
              return (
                <tr key={`${p.role}:${p.name}`} className={present[p.name] ? 'is-present' : ''}>
                  <td>
                    <input
                      id={id}
                      type="checkbox"
                      className="big-check"
                      checked={!!present[p.name]}
                      onChange={(e) => appStore.getState().setPresent(p.name, e.target.checked)}
                    />
                  </td>
                  <td>
                    <label htmlFor={id}>{p.name}</label>
                  </td>
                  <td>{ROLE_NAMES[p.role]}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p role="status" className={missing.length ? 'muted' : 'ok-text'}>
          {missing.length === 0
            ? 'Everyone named in the script is present.'
            : `${people.length - missing.length} of ${people.length} present; still missing: ${missing.join(', ')}.`}
        </p>
      </section>
      <section className="panel" aria-labelledby="begin">
        <h2 id="begin">Start</h2>
        {outDir.trim() ? (
          <p>
            Evidence goes to <code>{outDir}</code>.
          </p>
        ) : (
          <Note tone="warn">Choose a run directory on Home first.</Note>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => appStore.getState().go('hsm')}>
            Back
          </button>
          <button type="button" onClick={() => void start()} disabled={!canStart}>
            {runState === 'starting' ? 'Starting…' : 'Start the ceremony'}
          </button>
        </div>
        <ErrorNote error={runState === 'failed' ? runError : null} title="The run stopped" />
      </section>
    </Screen>
  );
}
