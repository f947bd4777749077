// The wizard's only door to main: `window.olocus` (the preload in Electron, the bridge in a
// browser). Every answer is an Envelope; nothing here throws across the boundary.
import type { OlocusApi, ResponseOf } from '../../../shared/olocus-api';

export function api(): OlocusApi {
  return window.olocus;
}

export function hasApi(): boolean {
  return typeof window !== 'undefined' && typeof window.olocus === 'object' && !!window.olocus;
}

export type AppInfo = ResponseOf<'appInfo'>;
export type RecentRun = ResponseOf<'recentRuns'>['runs'][number];
/** A ledger record header; `summary` only when read from the file (events carry none). */
export type LedgerRow = Omit<ResponseOf<'readLedger'>['records'][number], 'summary'> & {
  summary?: string;
};
