// The one window's options and the handlers that keep it where it is. Plain values and
// functions, so tests check them without Electron; index.ts hands them to Electron as they are.

export interface WindowOptionsInput {
  /** Absolute path of the built preload (out/preload/index.cjs). */
  preload: string;
  /** app.isPackaged: DevTools exist only in development builds. */
  isPackaged: boolean;
}

export function createWindowOptions({ preload, isPackaged }: WindowOptionsInput) {
  return {
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Olocus Ceremony',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload,
      // The renderer is a web page: no Node, its own JS world, Chromium's sandbox.
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableWebSQL: false,
      // A file dropped on the window must not navigate it to that file.
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would otherwise ask for a new window (denied anyway; not even asked).
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      devTools: !isPackaged,
    },
  } as const;
}

/** Anything that can be refused: Electron's navigation and webview events. */
export interface Preventable {
  preventDefault(): void;
}

/**
 * will-navigate / will-redirect / will-frame-navigate: the app is one page and routes inside
 * it with the history API, which fires none of these; any real navigation is refused, even to
 * our own origin (a reload comes from the shell, not from the page).
 */
export function denyNavigation(event: Preventable): void {
  event.preventDefault();
}

/** setWindowOpenHandler: no pop-ups, no new windows, no external browser. */
export function denyWindowOpen(): { action: 'deny' } {
  return { action: 'deny' };
}

/** setPermissionRequestHandler: camera, notifications, clipboard, … nothing is granted. */
export function denyPermissionRequest(
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

/** setPermissionCheckHandler and setDevicePermissionHandler: every check says no. */
export function denyPermissionCheck(): boolean {
  return false;
}

/**
 * session.webRequest.onBeforeRequest: only our own scheme (and DevTools in development) may
 * be fetched; anything else — http(s), file, ws — is cancelled before it leaves the machine.
 */
export function isAllowedRequest(url: string, isPackaged: boolean): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'app:') return u.hostname === 'olocus';
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  return !isPackaged && (u.protocol === 'devtools:' || u.protocol === 'chrome-extension:');
}
