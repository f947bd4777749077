// src/main/index.ts against a fake `electron` module: what the shell does before and after
// `ready`, what it asks of the window, the session and the protocol, and that the IPC it
// registers answers only the window it created.
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { INVOKE_NAMES, eventChannel, invokeChannel } from '../../src/shared/channels';
import { ErrorCode } from '../../src/shared/errors';
import { cspHeader } from '../../src/main/shell/csp';
import { createWindowOptions } from '../../src/main/shell/window';

type Fn = (...args: never[]) => unknown;

const fake = vi.hoisted(() => {
  const make = () => {
    const appHandlers = new Map<string, Fn[]>();
    const state = {
      lock: true,
      calls: [] as string[],
      schemes: [] as unknown[],
      protocolHandlers: new Map<
        string,
        (req: { url: string; method: string }) => Promise<Response>
      >(),
      ipc: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
      windows: [] as FakeWindow[],
      session: {
        requestHandler: null as null | Fn,
        checkHandler: null as null | Fn,
        deviceHandler: null as null | Fn,
        beforeRequest: null as null | Fn,
        headersReceived: null as null | Fn,
        events: new Map<string, Fn>(),
      },
      appHandlers,
      resolveReady: () => {},
      /** What shell.openPath was asked to open, and what it answers ('' is success). */
      opened: [] as string[],
      openAnswer: '',
    };
    function contents() {
      const listeners = new Map<string, Fn[]>();
      const add = (event: string, l: Fn) =>
        void listeners.set(event, [...(listeners.get(event) ?? []), l]);
      return {
        mainFrame: { url: 'app://olocus/index.html' },
        sent: [] as [string, unknown][],
        listeners,
        openHandler: null as null | Fn,
        send(channel: string, payload: unknown) {
          this.sent.push([channel, payload]);
        },
        setWindowOpenHandler(h: Fn) {
          this.openHandler = h;
        },
        on(event: string, l: Fn) {
          add(event, l);
          return this;
        },
        once(event: string, l: Fn) {
          add(event, l);
          return this;
        },
        executeJavaScript: async () => '{}',
      };
    }
    class FakeWindow {
      webContents = contents();
      loaded: string[] = [];
      focused = 0;
      listeners = new Map<string, Fn>();
      constructor(public options: unknown) {
        state.windows.push(this);
      }
      loadURL(url: string) {
        this.loaded.push(url);
        return Promise.resolve();
      }
      loadFile(path: string) {
        this.loaded.push(`loadFile:${path}`);
        return Promise.resolve();
      }
      once(event: string, l: Fn) {
        this.listeners.set(event, l);
      }
      on(event: string, l: Fn) {
        this.listeners.set(event, l);
      }
      show() {}
      isDestroyed() {
        return false;
      }
      isMinimized() {
        return true;
      }
      restore() {
        state.calls.push('restore');
      }
      focus() {
        this.focused++;
      }
    }
    const ready = new Promise<void>((r) => (state.resolveReady = r));
    const electron = {
      app: {
        isPackaged: false,
        enableSandbox: () => state.calls.push('enableSandbox'),
        requestSingleInstanceLock: () => {
          state.calls.push('requestSingleInstanceLock');
          return state.lock;
        },
        quit: () => state.calls.push('quit'),
        exit: () => state.calls.push('exit'),
        whenReady: () => ready,
        on: (event: string, l: Fn) => {
          appHandlers.set(event, [...(appHandlers.get(event) ?? []), l]);
        },
      },
      BrowserWindow: FakeWindow,
      shell: {
        openPath: async (path: string) => {
          state.opened.push(path);
          return state.openAnswer;
        },
      },
      ipcMain: {
        handle: (channel: string, l: (event: unknown, ...args: unknown[]) => unknown) =>
          state.ipc.set(channel, l),
        removeHandler: (channel: string) => state.ipc.delete(channel),
      },
      protocol: {
        registerSchemesAsPrivileged: (schemes: unknown[]) => {
          state.calls.push('registerSchemesAsPrivileged');
          state.schemes.push(...schemes);
        },
        handle: (scheme: string, h: (req: { url: string; method: string }) => Promise<Response>) =>
          state.protocolHandlers.set(scheme, h),
      },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (h: Fn) => (state.session.requestHandler = h),
          setPermissionCheckHandler: (h: Fn) => (state.session.checkHandler = h),
          setDevicePermissionHandler: (h: Fn) => (state.session.deviceHandler = h),
          webRequest: {
            onBeforeRequest: (h: Fn) => (state.session.beforeRequest = h),
            onHeadersReceived: (h: Fn) => (state.session.headersReceived = h),
          },
          on: (event: string, h: Fn) => state.session.events.set(event, h),
        },
      },
    };
    return { state, electron, contents };
  };
  return { current: make(), make };
});

// Getters, so that each fresh import of the shell (vi.resetModules) sees the current fake.
vi.mock('electron', () => ({
  get app() {
    return fake.current.electron.app;
  },
  get BrowserWindow() {
    return fake.current.electron.BrowserWindow;
  },
  get ipcMain() {
    return fake.current.electron.ipcMain;
  },
  get protocol() {
    return fake.current.electron.protocol;
  },
  get session() {
    return fake.current.electron.session;
  },
  get shell() {
    return fake.current.electron.shell;
  },
}));

async function loadShell(opts: { lock?: boolean } = {}) {
  vi.resetModules();
  fake.current = fake.make();
  fake.current.state.lock = opts.lock ?? true;
  await import('../../src/main/index');
  fake.current.state.resolveReady();
  await new Promise((r) => setTimeout(r, 0));
  return fake.current.state;
}

const listenersOf = (c: { listeners: Map<string, Fn[]> }, event: string) =>
  (c.listeners.get(event) ?? []) as ((e: { preventDefault(): void }, ...a: unknown[]) => void)[];

describe('the Electron shell (fake electron)', () => {
  let state: Awaited<ReturnType<typeof loadShell>>;
  beforeEach(async () => {
    state = await loadShell();
  });

  it('before ready: registers app:// as a privileged secure scheme and enables the sandbox', () => {
    expect(state.schemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    const order = state.calls;
    expect(order.indexOf('registerSchemesAsPrivileged')).toBeLessThan(
      order.indexOf('requestSingleInstanceLock'),
    );
    expect(order).toContain('enableSandbox');
  });

  it('opens one window with the hardened options and loads only app://olocus/index.html', () => {
    expect(state.windows).toHaveLength(1);
    const win = state.windows[0]!;
    const options = win.options as ReturnType<typeof createWindowOptions>;
    expect(options.webPreferences.preload).toMatch(/preload[\\/]index\.cjs$/);
    expect(options).toEqual(
      createWindowOptions({ preload: options.webPreferences.preload, isPackaged: false }),
    );
    expect(win.loaded).toEqual(['app://olocus/index.html']);
  });

  it('hardens every webContents: no navigation, no pop-ups, no webviews', () => {
    const handler = state.appHandlers.get('web-contents-created')![0]!;
    const contents = fake.current.contents();
    handler({} as never, contents as never);
    expect(contents.openHandler?.()).toEqual({ action: 'deny' });
    for (const event of [
      'will-navigate',
      'will-frame-navigate',
      'will-redirect',
      'will-attach-webview',
    ]) {
      const ls = listenersOf(contents, event);
      expect(ls, event).toHaveLength(1);
      const e = { preventDefault: vi.fn() };
      ls[0]!(e, 'https://evil.example/');
      expect(e.preventDefault, event).toHaveBeenCalled();
    }
  });

  it('the session grants no permission, fetches nothing remote, downloads nothing, sends the CSP', () => {
    const s = state.session;
    const cb = vi.fn();
    (s.requestHandler as (wc: unknown, p: string, cb: (g: boolean) => void) => void)(
      {},
      'media',
      cb,
    );
    expect(cb).toHaveBeenCalledWith(false);
    expect((s.checkHandler as () => boolean)()).toBe(false);
    expect((s.deviceHandler as () => boolean)()).toBe(false);

    const before = s.beforeRequest as (
      d: { url: string },
      cb: (r: { cancel: boolean }) => void,
    ) => void;
    const verdict = (url: string) => {
      let cancel: boolean | undefined;
      before({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(verdict('https://cdn.example/x.js')).toBe(true);
    expect(verdict('http://localhost:5173/')).toBe(true);
    expect(verdict('app://olocus/assets/x.js')).toBe(false);

    let headers: Record<string, string[]> = {};
    (
      s.headersReceived as (
        d: unknown,
        cb: (r: { responseHeaders: Record<string, string[]> }) => void,
      ) => void
    )(
      { responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (r) => (headers = r.responseHeaders),
    );
    expect(headers['Content-Security-Policy']).toEqual([cspHeader()]);
    expect(headers).not.toHaveProperty('content-security-policy');

    const download = { preventDefault: vi.fn() };
    (s.events.get('will-download') as (e: typeof download) => void)(download);
    expect(download.preventDefault).toHaveBeenCalled();
  });

  it('serves the renderer from app:// with the CSP, and refuses traversal', async () => {
    const handle = state.protocolHandlers.get('app')!;
    const ok = await handle({ url: 'app://olocus/index.html', method: 'GET' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(cspHeader());
    for (const url of [
      'app://olocus/%2e%2e/main/index.ts',
      'app://olocus/..%2fmain%2findex.ts',
      'app://olocus/../../package.json',
    ]) {
      expect((await handle({ url, method: 'GET' })).status, url).toBe(404);
    }
  });

  it('registers every contract channel and answers only its own window', async () => {
    expect([...state.ipc.keys()].sort()).toEqual(INVOKE_NAMES.map(invokeChannel).sort());
    const win = state.windows[0]!;
    const ours = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
    const request = { runId: crypto.randomUUID() };
    const handler = state.ipc.get(invokeChannel('runStatus'))!;
    // Our window: the request is parsed and reaches the run manager (which knows no such run).
    expect(await handler(ours, request)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.INVALID_INPUT },
    });
    expect(await handler(ours, request)).toMatchObject({
      error: { message: expect.stringContaining('No such run') },
    });
    // Another webContents, even one showing our origin: refused before parsing.
    const other = fake.current.contents();
    expect(await handler({ sender: other, senderFrame: other.mainFrame }, request)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.POLICY_VIOLATION },
    });
  });

  it('sends run events to its window, stripped to the contract', async () => {
    const win = state.windows[0]!;
    const ours = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
    const started = (await state.ipc.get(invokeChannel('startDrill'))!(ours, {
      dir: '/nonexistent/olocus-run',
    })) as {
      ok: boolean;
      value: { runId: string };
    };
    expect(started.ok).toBe(true);
    for (let i = 0; i < 200 && !win.webContents.sent.length; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(win.webContents.sent).toEqual([
      [eventChannel('runFinished'), { runId: started.value.runId, state: 'failed' }],
    ]);
  });

  it("opens a listed run's report with shell.openPath, and nothing outside a run", async () => {
    const base = await realpath(await mkdtemp(join(tmpdir(), 'olocus-shell-open-')));
    try {
      const run = join(base, 'root-ca-2026');
      await mkdir(run);
      await writeFile(join(run, 'report.pdf'), '%PDF-1.7\n');
      await writeFile(join(base, 'stray.pdf'), '%PDF-1.7\n');
      const win = state.windows[0]!;
      const ours = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
      const open = (path: string) => state.ipc.get(invokeChannel('openPath'))!(ours, { path });
      // Before the run is listed, its folder is not one the officer was shown.
      expect(await open(join(run, 'report.pdf'))).toMatchObject({
        ok: false,
        error: { code: ErrorCode.POLICY_VIOLATION },
      });
      expect(await state.ipc.get(invokeChannel('recentRuns'))!(ours, { root: base })).toMatchObject(
        { ok: true },
      );
      expect(await open(join(run, 'report.pdf'))).toMatchObject({
        ok: true,
        value: { opened: true },
      });
      expect(await open(join(base, 'stray.pdf'))).toMatchObject({ ok: false });
      state.openAnswer = 'Failed to open path';
      expect(await open(join(run, 'report.pdf'))).toMatchObject({
        ok: true,
        value: { opened: false, message: expect.stringContaining('Failed to open path') },
      });
      // shell.openPath gets a private copy of the checked report, never the run's own file.
      expect(state.opened).toHaveLength(2);
      for (const copy of state.opened) {
        expect(copy).not.toBe(join(run, 'report.pdf'));
        expect(copy).toMatch(/olocus-open-[^/]+\/report\.pdf$/);
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a second start focuses the first window; closing the window quits', () => {
    state.appHandlers.get('second-instance')![0]!();
    expect(state.windows[0]!.focused).toBe(1);
    expect(state.calls).toContain('restore');
    state.appHandlers.get('window-all-closed')![0]!();
    expect(state.calls).toContain('quit');
  });
});

describe('single instance', () => {
  it('without the lock, quits and opens no window', async () => {
    const state = await loadShell({ lock: false });
    expect(state.calls).toContain('quit');
    expect(state.windows).toHaveLength(0);
    expect(state.ipc.size).toBe(0);
  });
});
