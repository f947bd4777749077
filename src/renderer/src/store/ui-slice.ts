// Which screen is shown and how: theme, large type for a projector, whether the wizard follows
// the run to the screen that needs the room. Only theme and large type are remembered.
import type { StateCreator } from 'zustand/vanilla';

export const SCREENS = [
  { id: 'home', title: 'Home' },
  { id: 'script', title: 'Script review' },
  { id: 'hsm', title: 'HSM' },
  { id: 'participants', title: 'Participants' },
  { id: 'quorum', title: 'Quorum' },
  { id: 'keys', title: 'Key generation & backup' },
  { id: 'transfer', title: 'Transfer' },
  { id: 'attestation', title: 'Attestation' },
  { id: 'report', title: 'Report' },
  { id: 'audit', title: 'Audit timeline' },
  { id: 'inventory', title: 'Key inventory' },
] as const;
export type ScreenId = (typeof SCREENS)[number]['id'];
export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
  theme: Theme;
  largeType: boolean;
}

export interface UiSlice extends Settings {
  screen: ScreenId;
  followRun: boolean;
  go: (screen: ScreenId) => void;
  setTheme: (theme: Theme) => void;
  setLargeType: (on: boolean) => void;
  setFollowRun: (on: boolean) => void;
}

const SETTINGS_KEY = 'olocus.settings';

/** Reads remembered settings; anything unexpected falls back to the defaults. */
export function readSettings(storage: Pick<Storage, 'getItem'> | null): Settings {
  const fallback: Settings = { theme: 'system', largeType: false };
  try {
    const raw = storage?.getItem(SETTINGS_KEY);
    if (!raw) return fallback;
    const v = JSON.parse(raw) as Partial<Settings>;
    return {
      theme: v.theme === 'light' || v.theme === 'dark' ? v.theme : 'system',
      largeType: v.largeType === true,
    };
  } catch {
    return fallback;
  }
}

/** Writes exactly the two display settings, never anything else from the store. */
export function writeSettings(storage: Pick<Storage, 'setItem'> | null, s: Settings): void {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify({ theme: s.theme, largeType: s.largeType }));
  } catch {
    // Private windows may refuse storage; the settings then last for this session.
  }
}

export function createUiSlice(
  storage: Pick<Storage, 'getItem' | 'setItem'> | null,
): StateCreator<UiSlice, [], [], UiSlice> {
  return (set, get) => ({
    ...readSettings(storage),
    screen: 'home',
    followRun: true,
    go: (screen) => set({ screen }),
    setTheme: (theme) => {
      set({ theme });
      writeSettings(storage, { theme, largeType: get().largeType });
    },
    setLargeType: (largeType) => {
      set({ largeType });
      writeSettings(storage, { theme: get().theme, largeType });
    },
    setFollowRun: (followRun) => set({ followRun }),
  });
}
