// The desktop app's print outlet for share cards: the card opens in a hidden window of its own
// (Chromium's PDF viewer, no preload, sandboxed) and its contents go to the system print
// dialog; the window is destroyed as soon as the dialog closes, so no viewer keeps the card.
// Electron is passed in (index.ts hands BrowserWindow), so this module loads without it.
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { CardPrinter } from '../service/card-handover';

/** The part of an Electron BrowserWindow this uses. */
export interface PrintableWindow {
  loadFile(path: string): Promise<void>;
  webContents: {
    print(
      options: { silent: boolean; printBackground: boolean },
      callback: (success: boolean, failureReason: string) => void,
    ): void;
  };
  destroy(): void;
}

/** Options for the card's window: nothing but the PDF viewer may run in it. */
export const PRINT_WINDOW_OPTIONS = {
  show: false,
  webPreferences: {
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    plugins: true, // Chromium's PDF viewer
    javascript: false,
    devTools: false,
    // An in-memory session of its own: the app's session refuses file: URLs (its request
    // filter), and nothing of the card's page is kept once the window is gone.
    partition: 'olocus-card-print',
  },
} as const;

export function dialogPrinter(openWindow: () => PrintableWindow): CardPrinter {
  return {
    async print(path, custodian) {
      const win = openWindow();
      try {
        await win.loadFile(path);
        const reason = await new Promise<string | null>((done) =>
          win.webContents.print({ silent: false, printBackground: true }, (ok, why) =>
            done(ok ? null : why || 'cancelled'),
          ),
        );
        if (reason !== null) {
          throw new OlocusError(
            ErrorCode.POLICY_VIOLATION,
            `${custodian}'s card was not printed (the print dialog said: ${reason}); print it again or keep the file.`,
          );
        }
        return { via: 'print dialog', detail: '' };
      } finally {
        win.destroy();
      }
    },
  };
}
