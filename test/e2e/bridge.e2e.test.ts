// The browser bridge end to end: a fixture page in headless Chromium reaches a real
// CeremonyService on a fresh SoftHSM token through `window.olocus`, exactly as the renderer
// would in the Electron window; strangers (a replayed token, a second tab, a foreign origin, a
// rebound Host) are turned away.
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
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

describe('the token and origin guard', () => {
  it('refuses a second page, even with the very token the first one used', async () => {
    const refusedBefore = s.log.length;
    const used = new URL(app.page.url()); // the first page's address, its fragment already gone
    expect(used.hash).toBe('');
    // The second page replays the burnt token.
    const second = await s.openPage({ token: 'replayed-token-is-not-this', connect: false });
    const answer = await second.page.evaluate(() =>
      window.olocus.tokens({ hsmUri: 'pkcs11:token=x' }),
    );
    expect(answer).toMatchObject({ ok: false, error: { code: ErrorCode.OPERATION_FAILED } });
    expect(answer.ok ? '' : answer.error.message).toMatch(/bridge is not connected/);
    second.watch.expectClean([/WebSocket connection to .* failed/]);
    await waitFor(() => s.log.length > refusedBefore, 'the refusal to be logged');
    expect(s.log.slice(refusedBefore).join('\n')).toMatch(
      /WebSocket refused: another page is already connected/,
    );
    // The first page is still the one connected, and still works.
    const still = await app.page.evaluate(
      (hsmUri) => window.olocus.tokens({ hsmUri }),
      s.hsmUriNoPin,
    );
    expect(still.ok).toBe(true);
  });
});

describe('accessibility helper', () => {
  it('passes the fixture page', async () => {
    await expectNoSeriousA11yViolations(app.page, 'the bridge fixture');
  });

  it('fails a page with an unlabelled field and an image without text, naming both', async () => {
    const bad = await s.openPage({ path: '/inaccessible.html', connect: false });
    const found = await seriousA11yViolations(bad.page);
    expect(found.map((v) => v.id).sort()).toEqual(expect.arrayContaining(['image-alt', 'label']));
    await expect(
      expectNoSeriousA11yViolations(bad.page, 'the inaccessible fixture'),
    ).rejects.toThrow(/critical image-alt: .*\n\s+at img/);
    await bad.page.close();
  });
});

describe('guard rules', () => {
  it('knows loopback peers from others', () => {
    expect(['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(
      ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', '', undefined, '0.0.0.0'].map(isLoopback),
    ).toEqual([false, false, false, false, false, false]);
  });
});

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

export const _internals = { tryConnect, httpRequest };
