// The wizard's frame: a skip link, the header with the run's state and the display toggles,
// the screen list, and the screen. Theme and large type are set on <html> as data attributes
// (no inline styles: the CSP forbids them).
import { useEffect } from 'react';
import type { ReactElement } from 'react';
import { hasApi } from './api/client';
import { appStore, useApp } from './store';
import { SCREENS } from './store/ui-slice';
import { HealthAlertBanner } from './components/live-health';
import type { ScreenId, Theme } from './store/ui-slice';
import { Attestation } from './screens/Attestation';
import { AuditTimeline } from './screens/AuditTimeline';
import { Home } from './screens/Home';
import { Hsm } from './screens/Hsm';
import { KeyGeneration } from './screens/KeyGeneration';
import { Keys } from './screens/Keys';
import { Participants } from './screens/Participants';
import { Quorum } from './screens/Quorum';
import { Report } from './screens/Report';
import { ScriptReview } from './screens/ScriptReview';
import { Transfer } from './screens/Transfer';
import { CardHandOverDialog } from './components/card-handover';

const VIEWS: Record<ScreenId, () => ReactElement> = {
  home: Home,
  script: ScriptReview,
  hsm: Hsm,
  participants: Participants,
  quorum: Quorum,
  keys: KeyGeneration,
  transfer: Transfer,
  attestation: Attestation,
  report: Report,
  audit: AuditTimeline,
  inventory: Keys,
};

function RoomBanner() {
  const screen = useApp((s) => s.screen);
  const share = useApp((s) => s.shareAsk);
  const pass = useApp((s) => s.passphraseAsk);
  const witness = useApp((s) => s.witnessAsks.length);
  const wanted: { text: string; to: ScreenId } | null = pass
    ? { text: `A passphrase is asked of ${pass.custodian ?? 'a custodian'}.`, to: 'quorum' }
    : share
      ? {
          text: `Shares are needed: ${share.presented.length} of ${share.need} presented.`,
          to: 'quorum',
        }
      : witness
        ? { text: 'A witness sign-off is needed.', to: 'audit' }
        : null;
  if (!wanted || wanted.to === screen) return null;
  return (
    <div className="room-banner" role="status">
      <span>{wanted.text}</span>
      <button type="button" onClick={() => appStore.getState().go(wanted.to)}>
        Go to {SCREENS.find((s) => s.id === wanted.to)?.title}
      </button>
    </div>
  );
}

export function App() {
  const screen = useApp((s) => s.screen);
  const theme = useApp((s) => s.theme);
  const largeType = useApp((s) => s.largeType);
  const runState = useApp((s) => s.runState);
  const followRun = useApp((s) => s.followRun);
  const ceremony = useApp((s) => s.script?.plan.ceremony.name ?? null);

  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = theme;
    root.dataset.large = largeType ? 'on' : 'off';
  }, [theme, largeType]);

  const View = VIEWS[screen];
  return (
    <div className="app">
      <a className="skip" href="#content">
        Skip to the screen
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-name">Olocus Ceremony</span>
          {ceremony ? <span className="brand-ceremony">{ceremony}</span> : null}
        </div>
        <div className="run-state" role="status" aria-live="polite">
          Run: <span className={`badge badge-${runState}`}>{runState}</span>
        </div>
        <div className="toggles">
          <label className="choice">
            <input
              type="checkbox"
              checked={largeType}
              onChange={(e) => appStore.getState().setLargeType(e.target.checked)}
            />
            Large type
          </label>
          <label className="choice">
            <input
              type="checkbox"
              checked={followRun}
              onChange={(e) => appStore.getState().setFollowRun(e.target.checked)}
            />
            Follow the run
          </label>
          <label>
            <span className="sr-only">Theme</span>
            <select
              aria-label="Theme"
              value={theme}
              onChange={(e) => appStore.getState().setTheme(e.target.value as Theme)}
            >
              <option value="system">System theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
        </div>
      </header>
      <div className="body">
        <nav aria-label="Ceremony screens" className="sidebar">
          <ol>
            {SCREENS.map((s, i) => (
              <li key={s.id}>
                <button
                  type="button"
                  aria-current={screen === s.id ? 'page' : undefined}
                  onClick={() => appStore.getState().go(s.id)}
                >
                  <span className="nav-no" aria-hidden="true">
                    {i + 1}
                  </span>
                  {s.title}
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <main id="content" tabIndex={-1}>
          {hasApi() ? null : (
            <div className="note note-error" role="alert">
              This window has no connection to the ceremony service (window.olocus is missing).
            </div>
          )}
          <RoomBanner />
          {hasApi() ? <HealthAlertBanner running={runState === 'running'} /> : null}
          <View />
        </main>
        <CardHandOverDialog />
      </div>
    </div>
  );
}
