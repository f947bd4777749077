// The key inventory: every key family the token's signed inventory records, its versions with
// state, dates and provenance verdict, what is due, and what may be done: rotate (a ceremony from
// a bundled script), disable an older version, schedule a destruction under the quorum.
import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { AppInfo } from '../api/client';
import { ErrorNote, Note, Screen, useCall } from '../components/common';
import { FamilyPanel } from '../components/key-family';
import type { KeyVersion } from '../components/key-family';
import { DueList } from '../components/keys-due';
import { ScheduleDestroyForm } from '../components/schedule-destroy';
import { reviewScript } from './Home';

/** Bundled scripts that rotate a key family (their file names start with "rotate"). */
const rotationScripts = (info: AppInfo | null) =>
  (info?.bundledScripts ?? []).filter((s) => /^rotate/i.test(s.file));

export function Keys() {
  const ids = { uri: useId(), form: useId(), due: useId() };
  const [hsmUri, setHsmUri] = useState('');
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [configToken, setConfigToken] = useState<string | null>(null);
  const [destroying, setDestroying] = useState<{ family: string; version: KeyVersion } | null>(
    null,
  );
  const [done, setDone] = useState<string | null>(null);
  const load = useCall((uri: string) => api().keyInventory(uri ? { hsmUri: uri } : {}));
  const disable = useCall((keyUri: string) =>
    api().disableKeyVersion({ keyUri, reason: 'disabled in the Keys screen' }),
  );

  useEffect(() => {
    void api()
      .appInfo({})
      .then((r) => r.ok && setInfo(r.value));
    void api()
      .activeConfig({})
      .then((r) => {
        if (r.ok && r.value.tokenUri) {
          setConfigToken(r.value.tokenUri);
          void load.run('');
        }
      });
    // Once, when the screen opens.
  }, []);

  const reload = () => load.run(hsmUri.trim());
  const inv = load.value;
  const busy = load.busy || disable.busy;

  return (
    <Screen
      title="Key inventory"
      intro="Key families on a token: every version with its state, dates and provenance, what is due, and rotation, disabling and destruction as the policy and the quorum allow."
    >
      <form
        className="panel"
        aria-labelledby={ids.form}
        onSubmit={(e) => {
          e.preventDefault();
          setDone(null);
          void reload();
        }}
      >
        <h2 id={ids.form}>Token</h2>
        <div className="field">
          <label htmlFor={ids.uri}>
            Token URI{configToken ? ' (empty: the token of the config in force)' : ''}
          </label>
          <input
            id={ids.uri}
            type="text"
            spellCheck={false}
            autoComplete="off"
            value={hsmUri}
            required={!configToken}
            onChange={(e) => setHsmUri(e.target.value)}
          />
        </div>
        <div className="actions">
          <button type="submit" disabled={busy || (!configToken && !hsmUri.trim())}>
            {load.busy ? 'Reading…' : 'Show key families'}
          </button>
        </div>
        <ErrorNote error={load.error} title="The inventory could not be read" />
      </form>

      {done ? (
        <Note tone="ok" live>
          {done}
        </Note>
      ) : null}
      <ErrorNote error={disable.error} title="Not disabled" />

      {inv ? (
        <>
          <section className="panel" aria-labelledby={ids.due}>
            <h2 id={ids.due}>Due</h2>
            <p className="muted">
              Token serial {inv.token.serial} · inventory <code>{inv.inventory}</code>
            </p>
            <DueList report={inv.due} />
          </section>
          {inv.families.length === 0 ? (
            <Note>
              No key family is recorded for this token yet. A family starts with its first rotation
              (a ceremony&apos;s key.rotate step, or keys rotate).
            </Note>
          ) : null}
          {destroying ? (
            <ScheduleDestroyForm
              key={`${destroying.family}@${destroying.version.version}`}
              family={destroying.family}
              version={destroying.version}
              defaultRunDir=""
              onCancel={() => setDestroying(null)}
              onDone={(r) => {
                setDestroying(null);
                setDone(
                  `${r.family} v${r.version.version} is scheduled for destruction after ${r.version.destroyAfter?.slice(0, 10) ?? '?'}, approved by ${r.approval.approvedBy.join(', ')} (${r.approval.threshold} of ${r.approval.total}).`,
                );
                void reload();
              }}
            />
          ) : null}
          {inv.families.map((f) => (
            <FamilyPanel
              key={f.family}
              family={f}
              busy={busy}
              rotationScripts={rotationScripts(info)}
              onRotate={(path) => void reviewScript(path)}
              onDisable={async (v) => {
                if (!v.uri) return;
                setDone(null);
                const r = await disable.run(v.uri);
                if (r) {
                  setDone(`Disabled ${r.family} v${r.version.version} ("${r.version.label}").`);
                  await reload();
                }
              }}
              onScheduleDestroy={(v) => {
                setDone(null);
                setDestroying({ family: f.family, version: v });
              }}
            />
          ))}
        </>
      ) : null}
    </Screen>
  );
}
