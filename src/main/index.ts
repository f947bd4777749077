// The Electron shell: lifecycle, one hardened window, the app:// protocol, and the IPC
// registration. It decides nothing itself: the policies live in src/main/shell (plain modules
// tests check without Electron), the handlers in src/main/ipc, the product in CeremonyService.
import { app, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';
import type { Session, WebContents } from 'electron';
import { join } from 'node:path';
import { createEmitter } from './ipc/events';
import { createHandlers } from './ipc/handlers';
import { removeOpenedCopies } from './ipc/open-path';
import { registerContract } from './ipc/register';
import { RunManager } from './service/run-manager';
import { CeremonyService } from './service/ceremony-service';
import type { HsmConfig } from './service/process-config';
import { configPathFromProcess, loadProcessConfig } from './service/process-config';
import { withSecurityHeaders } from './shell/csp';
import { APP_ENTRY, APP_SCHEME } from './shell/origin';
import { serveFile } from './shell/protocol';
import { PRINT_WINDOW_OPTIONS, dialogPrinter } from './shell/print-dialog';
import { testClock } from './service/test-clock';
import { SMOKE_MARKER, SMOKE_PROBE, smokeEnabled } from './shell/smoke';
import {
  createWindowOptions,
  denyNavigation,
  denyPermissionCheck,
  denyPermissionRequest,
  denyWindowOpen,
  isAllowedRequest,
} from './shell/window';

const RENDERER_ROOT = join(import.meta.dirname, '../renderer');
const PRELOAD = join(import.meta.dirname, '../preload/index.cjs');

// Both must happen before `ready`: the scheme's privileges are fixed at startup, and the
// sandbox then applies to every renderer, including any a bug might create.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
app.enableSandbox();

let win: BrowserWindow | null = null;

function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler(denyPermissionRequest);
  ses.setPermissionCheckHandler(denyPermissionCheck);
  ses.setDevicePermissionHandler(denyPermissionCheck);
  ses.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !isAllowedRequest(details.url, app.isPackaged) }),
  );
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders) }),
  );
  ses.on('will-download', (event) => event.preventDefault());
}

/** For every webContents, ours or one a bug creates: no navigation, pop-ups or webviews. */
function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(denyWindowOpen);
  contents.on('will-navigate', denyNavigation);
  contents.on('will-frame-navigate', denyNavigation);
  contents.on('will-redirect', denyNavigation);
  contents.on('will-attach-webview', denyNavigation);
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow(
    createWindowOptions({ preload: PRELOAD, isPackaged: app.isPackaged }),
  );
  w.once('ready-to-show', () => w.show());
  w.on('closed', () => {
    if (win === w) win = null;
  });
  if (smokeEnabled(process.env, app.isPackaged)) runSmoke(w);
  void w.loadURL(APP_ENTRY);
  return w;
}

function runSmoke(w: BrowserWindow): void {
  w.webContents.once('did-fail-load', (_e, code, description) => {
    process.stdout.write(`${SMOKE_MARKER}${JSON.stringify({ failed: code, description })}\n`);
    app.exit(1);
  });
  w.webContents.once('did-finish-load', () => {
    void w.webContents
      .executeJavaScript(SMOKE_PROBE)
      .then((report: string) => process.stdout.write(`${SMOKE_MARKER}${report}\n`))
      .catch((e: unknown) =>
        process.stdout.write(`${SMOKE_MARKER}${JSON.stringify({ error: String(e) })}\n`),
      )
      .finally(() => app.quit());
  });
}

app.on('web-contents-created', (_event, contents) => hardenContents(contents));

if (!app.requestSingleInstanceLock()) {
  // One ceremony window per machine: a second start brings the first one forward.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // An hsm-config.yaml named by --config or OLOCUS_CONFIG drives the app's tokens, pool and
  // retries; a file that does not load stops the app with its problems rather than being ignored.
  const ready = (config: HsmConfig | undefined) => {
    hardenSession(session.defaultSession);
    protocol.handle(APP_SCHEME, (request) => serveFile(RENDERER_ROOT, request.url, request.method));

    const configFile = configPathFromProcess(process.argv, process.env);
    const service = new CeremonyService({
      ...(config ? { config, ...(configFile ? { configFile } : {}) } : {}),
      ...testClock(process.env),
    });
    const emit = createEmitter((channel, payload) => {
      if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
    });
    // Share cards go to the system print dialog from a hidden window of their own.
    const runs = new RunManager(emit, {
      printer: dialogPrinter(() => new BrowserWindow(PRINT_WINDOW_OPTIONS)),
    });
    // openPath checks the file is a run's PDF or JSON and hands this a private copy of it
    // (ipc/open-path.ts).
    const files = { open: (absPath: string) => shell.openPath(absPath) };
    registerContract(ipcMain, createHandlers(service, runs, { files }), {
      isOurWindow: (sender) => win !== null && sender === win.webContents,
    });

    win = createWindow();

    app.on('window-all-closed', () => {
      runs.cancelAll();
      app.quit();
    });
    app.on('will-quit', () => {
      void service.close();
      // The private copies openPath handed the viewer (cards among them) do not outlive the app.
      void removeOpenedCopies();
    });
  };
  void app.whenReady().then(() => {
    if (configPathFromProcess(process.argv, process.env) === undefined) return ready(undefined);
    return loadProcessConfig().then(ready, (e: unknown) => {
      console.error(`olocus: ${e instanceof Error ? e.message : String(e)}`);
      app.exit(2);
    });
  });
}
