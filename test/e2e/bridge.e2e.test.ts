// The browser bridge end to end: a fixture page in headless Chromium reaches a real
// CeremonyService on a fresh SoftHSM token through `window.olocus`, exactly as the renderer
// would in the Electron window; strangers (a replayed token, a second tab, a foreign origin, a
// rebound Host) are turned away.
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApi } from '../../src/preload/api';
import { BRIDGE_PROTOCOL, BRIDGE_WS_PATH, tokenProtocol } from '../../src/bridge/index';
import { isLoopback } from '../../src/bridge/guard';
import { ErrorCode } from '../../src/shared/errors';
import {
  expectNoSeriousA11yViolations,
  screenshot,
  seriousA11yViolations,
  startE2e,
  waitFor,
} from './harness/index';
import type { E2eSession, OpenedPage } from './harness/index';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/bridge-page');

let s: E2eSession;
let app: OpenedPage;

beforeAll(async () => {
  s = await startE2e({ rendererDir: FIXTURE, tokenLabel: 'bridge-e2e' });
  app = await s.openPage();
});

afterAll(async () => {
  await s?.close();
});

describe('window.olocus over the bridge', () => {
  it('has exactly the preload’s methods and subscriptions, frozen, and the token is gone from the address', async () => {
    const preloadKeys = Object.keys(
      buildApi({
        invoke: async () => undefined,
        on: () => undefined,
        removeListener: () => undefined,
      }),
    ).sort();
    const seen = await app.page.evaluate(() => ({
      keys: Object.keys(window.olocus).sort(),
      frozen: Object.isFrozen(window.olocus),
      types: [...new Set(Object.values(window.olocus).map((v) => typeof v))],
      hasInvoke: 'invoke' in window.olocus,
      hash: location.hash,
      status: document.getElementById('status')?.textContent,
    }));
    expect(seen.keys).toEqual(preloadKeys);
    expect(seen).toMatchObject({ frozen: true, types: ['function'], hasInvoke: false, hash: '' });
    // The app's module script ran after the bridge client had defined window.olocus.
    expect(seen.status).toBe('bridge present');
    await screenshot(app.page, 'bridge-fixture');
    app.watch.expectClean();
  });

  it('lists the SoftHSM token, with its label, through the real service', async () => {
    const answer = await app.page.evaluate(
      (hsmUri) => window.olocus.tokens({ hsmUri }),
      s.hsmUriNoPin,
    );
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const labels = answer.value.modules.flatMap((m) => m.tokens.map((t) => t.label));
    expect(labels).toContain('bridge-e2e');
    app.watch.expectClean();
  });

  it('generates a key on the token and then finds it listed', async () => {
    const generated = await app.page.evaluate(
      (hsmUri) => window.olocus.generateKey({ hsmUri, type: 'ec-p256', label: 'bridge-key' }),
      s.hsmUri,
    );
    expect(generated.ok, JSON.stringify(generated)).toBe(true);
    if (!generated.ok) return;
    expect(generated.value.fingerprint?.kind).toBe('spki-sha256');

    const listed = await app.page.evaluate(
      (hsmUri) => window.olocus.listKeys({ hsmUri }),
      s.hsmUri,
    );
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    const key = listed.value.keys.find((k) => k.label === 'bridge-key' && k.class === 'private');
    expect(key?.spkiSha256).toBe(generated.value.fingerprint?.value);
    app.watch.expectClean();
  });

  it('refuses an invalid payload with the validation error, and the token is untouched', async () => {
    const answers = await app.page.evaluate(async (hsmUri) => {
      const api = window.olocus as unknown as Record<string, (r: unknown) => Promise<unknown>>;
      return {
        wrongType: await api.tokens!({ hsmUri: 42 }),
        extraKey: await api.tokens!({ hsmUri, sneaky: true }),
        missing: await api.listKeys!(undefined),
        badKeyType: await api.generateKey!({ hsmUri, type: 'rsa-512', label: 'weak' }),
      };
    }, s.hsmUri);
    for (const [what, answer] of Object.entries(answers)) {
      expect(answer, what).toMatchObject({
        ok: false,
        error: {
          code: ErrorCode.INVALID_INPUT,
          message: expect.stringMatching(/^The request was refused: /),
        },
      });
    }
    expect(JSON.stringify(answers.wrongType)).toMatch(/hsmUri/);
    expect(JSON.stringify(answers.extraKey)).toMatch(/sneaky/);
    // Nothing was created by the refused generateKey.
    const listed = await app.page.evaluate(
      (hsmUri) => window.olocus.listKeys({ hsmUri }),
      s.hsmUri,
    );
    expect(listed.ok && listed.value.keys.some((k) => k.label === 'weak')).toBe(false);
    app.watch.expectClean();
  });

  it('delivers a run’s events to the page: progress, ledger records, then the end', async () => {
    const dir = resolve(s.workspace, 'demo');
    const result = await app.page.evaluate(async (dir) => {
      const seen: { kinds: string[]; ledger: number; finished: string | null } = {
        kinds: [],
        ledger: 0,
        finished: null,
      };
      const offs = [
        window.olocus.onRunProgress((e) => seen.kinds.push(e.kind)),
        window.olocus.onRunLedgerAppended(() => seen.ledger++),
      ];
      const done = new Promise<void>((ok) => {
        const off = window.olocus.onRunFinished((e) => {
          seen.finished = e.state;
          off();
          ok();
        });
      });
      const started = await window.olocus.startDemo({ dir });
      if (!started.ok) return { started, seen };
      await done;
      offs.forEach((off) => off());
      const status = await window.olocus.runStatus({ runId: started.value.runId });
      return { started, seen, status };
    }, dir);
    expect(result.started.ok, JSON.stringify(result.started)).toBe(true);
    expect(result.seen.finished).toBe('finished');
    expect(result.seen.kinds.length).toBeGreaterThan(0);
    expect(result.seen.ledger).toBeGreaterThan(0);

    // The ledger the events announced is one verify-audit accepts, with that many records.
    const verdict = await app.page.evaluate(
      (path) => window.olocus.verifyAudit({ path }),
      resolve(dir, 'audit.jsonl'),
    );
    expect(verdict.ok && verdict.value.ok).toBe(true);
    if (verdict.ok) expect(verdict.value.records).toBe(result.seen.ledger);
    app.watch.expectClean();
  });
});

describe('accessibility helper', () => {
  it('passes the fixture page', async () => {
    await expectNoSeriousA11yViolations(app.page, 'the bridge fixture');
  });

  it('fails a page with an unlabelled field and an image without text, naming both', async () => {
    const bad = await s.openPage({ path: '/inaccessible.html', token: null, connect: false });
    const found = await seriousA11yViolations(bad.page);
    expect(found.map((v) => v.id)).toEqual(expect.arrayContaining(['image-alt', 'label']));
    await expect(
      expectNoSeriousA11yViolations(bad.page, 'the inaccessible fixture'),
    ).rejects.toThrow(/critical image-alt: .*\n\s+at img/);
    await bad.page.close();
  });
});

describe('the token and origin guard', () => {
  // The fixture page above connected with the first token, which is now spent.
  let firstToken: string;
  let spare: string;

  it('has spent the first token: the bridge holds none until a new one is issued', () => {
    firstToken = app.token;
    expect(s.bridge.connected).toBe(true);
    expect(s.bridge.currentToken()).toBeNull();
  });

  it('refuses a second page while one is connected, without spending the token it brings', async () => {
    spare = s.bridge.issueToken();
    const mark = s.log.length;
    const second = await s.openPage({ token: spare, connect: false });
    const answer = await second.page.evaluate(() =>
      window.olocus.tokens({ hsmUri: 'pkcs11:token=x' }),
    );
    expect(answer).toMatchObject({ ok: false, error: { code: ErrorCode.OPERATION_FAILED } });
    expect(answer.ok ? '' : answer.error.message).toMatch(/bridge is not connected/);
    second.watch.expectClean([/WebSocket connection to .* failed/]);
    await waitFor(() => s.log.length > mark, 'the refusal to be logged');
    expect(s.log.slice(mark).join('\n')).toMatch(
      /WebSocket refused: another page is already connected/,
    );
    expect(s.bridge.currentToken()).toBe(spare);
    // The first page is still the one connected, and still works.
    const still = await app.page.evaluate(
      (hsmUri) => window.olocus.tokens({ hsmUri }),
      s.hsmUriNoPin,
    );
    expect(still.ok).toBe(true);
    await second.page.close();
  });

  it('refuses a foreign Origin, a missing Origin and a rebound Host, and keeps the token', async () => {
    await app.page.close(); // no page connected: only the origin checks stand in the way
    await waitFor(() => !s.bridge.connected, 'the page to disconnect');
    const mark = s.log.length;
    const own = `http://127.0.0.1:${s.bridge.port}`;
    expect(await tryConnect({ token: spare, origin: 'http://evil.example' })).toBe(403);
    expect(await tryConnect({ token: spare, origin: `http://localhost:${s.bridge.port}` })).toBe(
      403,
    );
    expect(await tryConnect({ token: spare })).toBe(403);
    expect(
      await tryConnect({ token: spare, origin: own, host: `evil.example:${s.bridge.port}` }),
    ).toBe(403);
    expect(await httpStatus('/', { host: `evil.example:${s.bridge.port}` })).toBe(403);
    const lines = s.log.slice(mark).join('\n');
    expect(lines).toMatch(/WebSocket refused: a foreign Origin/);
    expect(lines).toMatch(/WebSocket refused: no Origin header/);
    expect(lines).toMatch(/the Host header is not the bridge address/);
    expect(s.bridge.currentToken()).toBe(spare);
  });

  it('refuses a wrong token and a replayed one, and accepts the issued one exactly once', async () => {
    const own = `http://127.0.0.1:${s.bridge.port}`;
    const mark = s.log.length;
    expect(await tryConnect({ token: firstToken, origin: own })).toBe(401); // replayed, long spent
    expect(await tryConnect({ token: 'A'.repeat(43), origin: own })).toBe(401);
    expect(await tryConnect({ origin: own })).toBe(401);
    expect(s.bridge.currentToken()).toBe(spare);

    const page = await s.openPage({ token: spare });
    const ok = await page.page.evaluate(
      (hsmUri) => window.olocus.tokens({ hsmUri }),
      s.hsmUriNoPin,
    );
    expect(ok.ok).toBe(true);
    await page.page.close();
    await waitFor(() => !s.bridge.connected, 'the page to disconnect');

    // The same address opened again (a reload, a copied link): the token is spent.
    expect(await tryConnect({ token: spare, origin: own })).toBe(401);
    const lines = s.log.slice(mark).join('\n');
    expect(lines).toMatch(/WebSocket refused: a wrong token/);
    expect(lines).toMatch(/WebSocket refused: no token/);
    expect(lines).toMatch(/WebSocket refused: the token was already used/);
  });

  it('never writes a token into its log', () => {
    const all = s.log.join('\n');
    expect(s.log.length).toBeGreaterThan(5);
    for (const t of [firstToken, spare]) expect(all).not.toContain(t);
  });
});

describe('guard rules', () => {
  it('knows loopback peers from others', () => {
    const loopback = ['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1'];
    const others = ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', '::2', '', undefined, '0.0.0.0'];
    expect(loopback.map(isLoopback)).toEqual(loopback.map(() => true));
    expect(others.map(isLoopback)).toEqual(others.map(() => false));
  });
});

describe('frames from a client that is not the bridge script', () => {
  it('answers an unknown channel and a second argument with validation errors, and closes on garbage', async () => {
    const token = s.bridge.issueToken();
    const ws = await connectRaw(token);
    const reply = (frame: unknown) =>
      new Promise<unknown>((done) => {
        ws.once('message', (data) => done(JSON.parse(String(data))));
        ws.send(JSON.stringify(frame));
      });
    expect(await reply({ t: 'invoke', id: 1, name: 'invoke', args: [{}] })).toMatchObject({
      t: 'result',
      id: 1,
      envelope: { ok: false, error: { code: ErrorCode.INVALID_INPUT } },
    });
    expect(await reply({ t: 'invoke', id: 2, name: 'constructor', args: [{}] })).toMatchObject({
      id: 2,
      envelope: { ok: false, error: { code: ErrorCode.INVALID_INPUT } },
    });
    const two = await reply({
      t: 'invoke',
      id: 3,
      name: 'tokens',
      args: [{ hsmUri: s.hsmUriNoPin }, { extra: true }],
    });
    expect(two).toMatchObject({
      id: 3,
      envelope: { ok: false, error: { message: expect.stringMatching(/exactly one argument/) } },
    });
    // A prototype key is data, not a prototype, after JSON.parse: the contract refuses it.
    const proto = await reply(
      JSON.parse('{"t":"invoke","id":4,"name":"listKeys","args":[{"__proto__":{"hsmUri":"x"}}]}'),
    );
    expect(proto).toMatchObject({
      id: 4,
      envelope: { ok: false, error: { code: ErrorCode.INVALID_INPUT } },
    });
    const closed = new Promise<number>((done) => ws.once('close', (code) => done(code)));
    ws.send('this is not JSON');
    expect(await closed).toBe(1007);
  });
});

describe('the pages it serves', () => {
  it('sends the app’s CSP, widened only to its own WebSocket', async () => {
    const res = await httpGet('/');
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${s.bridge.port};`);
    expect(res.body.indexOf('/__olocus/bridge.js')).toBeLessThan(res.body.indexOf('type="module"'));
    expect((await httpGet('/__olocus/bridge.js')).headers['content-security-policy']).toBe(csp);
  });

  it('refuses paths that climb out of the site root, unknown bridge paths and writes', async () => {
    expect(await httpStatus('/../package.json')).toBe(404);
    expect(await httpStatus('/%2e%2e/%2e%2e/package.json')).toBe(404);
    expect(await httpStatus('/..%5c..%5cpackage.json')).toBe(404);
    expect(await httpStatus('/__olocus/token')).toBe(404);
    expect(await httpStatus('/index.html', { method: 'POST' })).toBe(405);
  });
});

describe('kept out of the desktop app', () => {
  const REPO = resolve(import.meta.dirname, '../..');

  it('is imported by nothing the Electron build or the CLI bundles', () => {
    const importers: string[] = [];
    for (const dir of ['src/main', 'src/preload', 'src/renderer', 'src/shared', 'src/cli']) {
      for (const file of sourceFiles(join(REPO, dir))) {
        const text = readFileSync(file, 'utf8');
        if (
          /\bfrom\s+['"][^'"]*\/bridge(\/[^'"]*)?['"]|import\(\s*['"][^'"]*\/bridge\b/.test(text)
        ) {
          importers.push(relative(REPO, file));
        }
      }
    }
    expect(importers).toEqual([]);
  });

  it('is no entry of electron-vite, and the packaged files are the build output only', () => {
    expect(readFileSync(join(REPO, 'electron.vite.config.ts'), 'utf8')).not.toMatch(/src\/bridge/);
    const builder = parseYaml(readFileSync(join(REPO, 'electron-builder.yml'), 'utf8')) as {
      files: string[];
    };
    expect(builder.files).toEqual(['out/**']);
  });

  it.skipIf(!existsSync(join(REPO, 'out/main/index.js')))(
    'leaves no trace in a build that exists (out/): no bridge path, protocol or token prefix',
    () => {
      const marks = [BRIDGE_WS_PATH, BRIDGE_PROTOCOL, tokenProtocol('')];
      const found = sourceFiles(join(REPO, 'out'), /\.(c|m)?js$/).filter((f) => {
        const text = readFileSync(f, 'utf8');
        return marks.some((m) => text.includes(m));
      });
      expect(found.map((f) => relative(REPO, f))).toEqual([]);
    },
  );
});

function sourceFiles(dir: string, pattern = /\.(ts|tsx|js|mjs|cjs)$/): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p, pattern);
    return pattern.test(e.name) ? [p] : [];
  });
}

/** A raw WebSocket handshake to the bridge, as another program on the machine could try. */
function tryConnect(opts: { origin?: string; token?: string; host?: string }): Promise<number> {
  return new Promise((done) => {
    const protocols = [BRIDGE_PROTOCOL, ...(opts.token ? [tokenProtocol(opts.token)] : [])];
    const ws = new WebSocket(`ws://127.0.0.1:${s.bridge.port}${BRIDGE_WS_PATH}`, protocols, {
      ...(opts.origin ? { origin: opts.origin } : {}),
      ...(opts.host ? { headers: { Host: opts.host } } : {}),
    });
    ws.on('open', () => {
      ws.close();
      done(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      done(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => done(-1));
  });
}

/** A connection that passes the guard, speaking the wire format by hand. */
function connectRaw(token: string): Promise<WebSocket> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${s.bridge.port}${BRIDGE_WS_PATH}`,
      [BRIDGE_PROTOCOL, tokenProtocol(token)],
      { origin: `http://127.0.0.1:${s.bridge.port}` },
    );
    ws.once('open', () => done(ws));
    ws.once('error', fail);
  });
}

function httpGet(
  path: string,
  opts: { host?: string; method?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: s.bridge.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.host ? { Host: opts.host } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

async function httpStatus(path: string, opts: { host?: string; method?: string } = {}) {
  return (await httpGet(path, opts)).status;
}
