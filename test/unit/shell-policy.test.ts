// The shell's policies as plain functions: window options, CSP, origin, navigation, pop-ups,
// permissions, outgoing requests, and the app:// file server (path traversal refused).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cspHeader, securityHeaders, withSecurityHeaders } from '../../src/main/shell/csp';
import { APP_ENTRY, isAllowedOrigin } from '../../src/main/shell/origin';
import { serveFile } from '../../src/main/shell/protocol';
import {
  createWindowOptions,
  denyNavigation,
  denyPermissionCheck,
  denyPermissionRequest,
  denyWindowOpen,
  isAllowedRequest,
} from '../../src/main/shell/window';

describe('window options', () => {
  it('sandboxed, isolated, no Node, web security on; DevTools only unpackaged', () => {
    const packaged = createWindowOptions({
      preload: '/app/out/preload/index.cjs',
      isPackaged: true,
    });
    expect(packaged.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: false,
    });
    expect(packaged.show).toBe(false);
    expect(createWindowOptions({ preload: 'p', isPackaged: false }).webPreferences.devTools).toBe(
      true,
    );
  });
});

describe('Content-Security-Policy', () => {
  const csp = cspHeader();
  const directive = (name: string) =>
    csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith(`${name} `));

  it('allows only our own origin, no inline or evaluated script, nothing remote', () => {
    expect(directive('default-src')).toBe("default-src 'none'");
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('object-src')).toBe("object-src 'none'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(directive('base-uri')).toBe("base-uri 'none'");
    expect(directive('connect-src')).toBe("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe|strict-dynamic|https?:|ws:|\*/);
  });

  it('replaces whatever CSP a response carried, in any casing', () => {
    const out = withSecurityHeaders({
      'content-security-policy': "default-src *; script-src 'unsafe-inline'",
      'CONTENT-SECURITY-POLICY': ['script-src *'],
      'Content-Type': 'text/html',
    });
    const cspKeys = Object.keys(out).filter((k) => k.toLowerCase() === 'content-security-policy');
    expect(cspKeys).toEqual(['Content-Security-Policy']);
    expect(out['Content-Security-Policy']).toEqual([csp]);
    expect(out['Content-Type']).toEqual(['text/html']);
    expect(out['X-Content-Type-Options']).toEqual(['nosniff']);
    expect(withSecurityHeaders(undefined)['Content-Security-Policy']).toEqual([csp]);
  });
});

describe('origin', () => {
  it.each([
    [APP_ENTRY, true],
    ['app://olocus/', true],
    ['app://olocus/assets/x.js?v=1#h', true],
    // Compared exactly: Chromium reports a standard scheme's host in lower case, so only a
    // URL that did not come from it could differ.
    ['APP://OLOCUS/index.html', false],
    ['', false],
    ['null', false],
    ['about:blank', false],
    ['file:///index.html', false],
    ['http://olocus/', false],
    ['https://olocus/', false],
    ['http://localhost:5173/', false],
    ['app://olocus.example/', false],
    ['app://evil/', false],
    ['app://a@olocus/', false],
    ['app://olocus:1/', false],
    ['blob:app://olocus/1234', false],
    [undefined, false],
    [42, false],
  ])('%j → %s', (url, allowed) => expect(isAllowedOrigin(url)).toBe(allowed));
});

describe('navigation, pop-ups, permissions, requests', () => {
  it('refuses every navigation and every new window', () => {
    const event = { preventDefault: vi.fn() };
    denyNavigation(event);
    expect(event.preventDefault).toHaveBeenCalledOnce();
    expect(denyWindowOpen()).toEqual({ action: 'deny' });
  });

  it('grants no permission, by request or by check', () => {
    for (const permission of [
      'media',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fileSystem',
      'unknown',
    ]) {
      const cb = vi.fn();
      denyPermissionRequest({}, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(denyPermissionCheck()).toBe(false);
  });

  it.each([
    ['app://olocus/index.html', true, true],
    ['data:image/png;base64,AAAA', true, true],
    ['app://evil/x.js', true, false],
    ['https://example.com/x.js', true, false],
    ['http://127.0.0.1:5173/', false, false],
    ['ws://localhost/', false, false],
    ['file:///etc/passwd', false, false],
    ['devtools://devtools/bundled/inspector.html', false, true],
    ['devtools://devtools/bundled/inspector.html', true, false],
    ['not a url', false, false],
  ])('request %s (packaged %s) allowed: %s', (url, packaged, allowed) =>
    expect(isAllowedRequest(url, packaged)).toBe(allowed),
  );
});

describe('serveFile (app://olocus → out/renderer)', () => {
  let base: string;
  let root: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'olocus-protocol-'));
    root = join(base, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Olocus</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'style.css'), 'body{}');
    writeFileSync(join(base, 'secret.txt'), 'outside the root');
    mkdirSync(join(base, 'renderer-evil'));
    writeFileSync(join(base, 'renderer-evil', 'x.js'), 'sibling with a shared prefix');
    symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
    symlinkSync(base, join(root, 'up'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('serves files under the root with their type and the security headers', async () => {
    const index = await serveFile(root, 'app://olocus/index.html');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(cspHeader());
    expect(await index.text()).toContain('<title>Olocus</title>');
    const js = await serveFile(root, 'app://olocus/assets/app.js?v=2#x');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await serveFile(root, 'app://olocus/')).status).toBe(200); // index.html
    expect((await serveFile(root, 'app://olocus/assets/style.css', 'HEAD')).status).toBe(200);
  });

  it.each([
    'app://olocus/../secret.txt',
    'app://olocus/assets/../../secret.txt',
    'app://olocus/%2e%2e/secret.txt',
    'app://olocus/%2E%2E/%2E%2E/secret.txt',
    'app://olocus/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://olocus/..%2fsecret.txt',
    'app://olocus/..%5csecret.txt',
    'app://olocus/assets\\..\\..\\secret.txt',
    'app://olocus/%2e%2e%5c%2e%2e%5csecret.txt',
    'app://olocus/../renderer-evil/x.js',
    'app://olocus/assets/link.txt',
    'app://olocus/up/secret.txt',
    'app://olocus/index.html%00.js',
    'app://olocus/%E0%A4%A',
    'app://olocus/assets',
    'app://olocus/missing.js',
    'app://evil/index.html',
    'app://olocus:99/index.html',
    'file:///etc/passwd',
    `file://${'/etc/passwd'}`,
    'https://olocus/index.html',
    'not a url',
  ])('refuses %s', async (url) => {
    const res = await serveFile(root, url);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
    expect(res.headers.get('content-security-policy')).toBe(cspHeader());
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await serveFile(root, 'app://olocus/index.html', 'POST')).status).toBe(405);
  });

  it('answers even when the root itself is missing', async () => {
    expect((await serveFile(join(base, 'nope'), 'app://olocus/index.html')).status).toBe(404);
  });

  it('every response carries the same security headers', async () => {
    const res = await serveFile(root, 'app://olocus/index.html');
    for (const [k, v] of Object.entries(securityHeaders())) expect(res.headers.get(k)).toBe(v);
  });
});
