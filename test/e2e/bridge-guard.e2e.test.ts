// The bridge's guard: who may connect (one page, our Origin and Host, the one-time token, a
// loopback peer), what a hand-made client gets for frames the bridge script never sends, and
// the headers and refusals of the pages it serves. Against a fixture page in headless Chromium
// and raw clients speaking HTTP and WebSocket by hand, as another program on the machine could.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/bridge/guard';
import { ErrorCode } from '../../src/shared/errors';
import { rawClients, startE2e, waitFor } from './harness/index';
import type { E2eSession, OpenedPage, RawClients } from './harness/index';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/bridge-page');

let s: E2eSession;
let app: OpenedPage;
let raw: RawClients;

beforeAll(async () => {
  s = await startE2e({ rendererDir: FIXTURE, tokenLabel: 'bridge-guard' });
  app = await s.openPage();
  raw = rawClients(s.bridge.port);
});

afterAll(async () => {
  await s?.close();
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
    expect(await raw.tryConnect({ token: spare, origin: 'http://evil.example' })).toBe(403);
    expect(
      await raw.tryConnect({ token: spare, origin: `http://localhost:${s.bridge.port}` }),
    ).toBe(403);
    expect(await raw.tryConnect({ token: spare })).toBe(403);
    expect(
      await raw.tryConnect({ token: spare, origin: own, host: `evil.example:${s.bridge.port}` }),
    ).toBe(403);
    expect(await raw.httpStatus('/', { host: `evil.example:${s.bridge.port}` })).toBe(403);
    const lines = s.log.slice(mark).join('\n');
    expect(lines).toMatch(/WebSocket refused: a foreign Origin/);
    expect(lines).toMatch(/WebSocket refused: no Origin header/);
    expect(lines).toMatch(/the Host header is not the bridge address/);
    expect(s.bridge.currentToken()).toBe(spare);
  });

  it('refuses a wrong token and a replayed one, and accepts the issued one exactly once', async () => {
    const own = `http://127.0.0.1:${s.bridge.port}`;
    const mark = s.log.length;
    expect(await raw.tryConnect({ token: firstToken, origin: own })).toBe(401); // replayed, long spent
    expect(await raw.tryConnect({ token: 'A'.repeat(43), origin: own })).toBe(401);
    expect(await raw.tryConnect({ origin: own })).toBe(401);
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
    expect(await raw.tryConnect({ token: spare, origin: own })).toBe(401);
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
    const ws = await raw.connectRaw(token);
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
    const res = await raw.httpGet('/');
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${s.bridge.port};`);
    expect(res.body.indexOf('/__olocus/bridge.js')).toBeLessThan(res.body.indexOf('type="module"'));
    expect((await raw.httpGet('/__olocus/bridge.js')).headers['content-security-policy']).toBe(csp);
  });

  it('refuses paths that climb out of the site root, unknown bridge paths and writes', async () => {
    expect(await raw.httpStatus('/../package.json')).toBe(404);
    expect(await raw.httpStatus('/%2e%2e/%2e%2e/package.json')).toBe(404);
    expect(await raw.httpStatus('/..%5c..%5cpackage.json')).toBe(404);
    expect(await raw.httpStatus('/__olocus/token')).toBe(404);
    expect(await raw.httpStatus('/index.html', { method: 'POST' })).toBe(405);
  });
});
