// One store of three slices: the session being prepared, the run main is driving, and the
// display. Vanilla (no React) so the logic is testable in Node; the hook binds it to React.
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { StoreApi } from 'zustand/vanilla';
import { createRunSlice } from './run-slice';
import type { RunSlice } from './run-slice';
import { createSessionSlice } from './session-slice';
import type { SessionSlice } from './session-slice';
import { createUiSlice } from './ui-slice';
import type { UiSlice } from './ui-slice';

export type AppState = RunSlice & SessionSlice & UiSlice;
export type AppStore = StoreApi<AppState>;

export function createAppStore(
  storage: Pick<Storage, 'getItem' | 'setItem'> | null = null,
): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createRunSlice(...a),
    ...createSessionSlice(...a),
    ...createUiSlice(storage)(...a),
  }));
}

const browserStorage = typeof localStorage === 'undefined' ? null : localStorage;
export const appStore: AppStore = createAppStore(browserStorage);

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
