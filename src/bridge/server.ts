// The browser bridge: the renderer in an ordinary browser, talking to a real CeremonyService
// over a loopback WebSocket. For `npm run dev:browser` and the Playwright tests only: it is
// not an entry of the Electron build and not in the packaged app (electron-builder packs
// out/** only, and no build writes this folder there).
//
// Requests take the IPC path itself: the contract is registered on a small ipcMain stand-in
// (registerContract and its dispatch: plain-data check, zod request, handler, zod response,
// errors as Envelopes), and events come from the same emitter. The WebSocket guard (guard.ts)
// does the job the sender check does in Electron.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { INVOKE_NAMES, invokeChannel } from '../shared/channels';
import type { InvokeName } from '../shared/channels';
import { validationError } from '../main/ipc/errors';
import { createEmitter } from '../main/ipc/events';
import { createHandlers } from '../main/ipc/handlers';
import type { ServiceApi } from '../main/ipc/handlers';
import { registerContract } from '../main/ipc/register';
import type { IpcMainLike } from '../main/ipc/register';
import { RunManager } from '../main/service/run-manager';
import type { RunManagerOptions } from '../main/service/run-manager';
import type { InvokeEventLike } from '../main/ipc/sender';
import { APP_ENTRY } from '../main/shell/origin';
import { CeremonyService } from '../main/service/index';
import { testClock } from '../main/service/test-clock';
import type { HsmConfig } from '../main/service/process-config';
import {
  BRIDGE_PROTOCOL,
  TokenGuard,
  checkHost,
  checkOrigin,
  isLoopback,
  offeredProtocols,
} from './guard';
import type { Verdict } from './guard';
import { clientScript } from './client-script';
import {
  BRIDGE_PREFIX,
  BRIDGE_SCRIPT_PATH,
  BRIDGE_WS_PATH,
  MAX_MESSAGE_BYTES,
  invokeMessage,
} from './protocol';
import { bridgeHeaders, serveStatic } from './static';

export interface BridgeOptions {
  /** 0 (the default) picks a free port; OLOCUS_BRIDGE_PORT is read by the dev script. */
  port?: number;
  /** The directory served as the site root; default out/renderer under the working directory. */
  rendererDir?: string;
  /** The facade to serve; default a new CeremonyService, closed with the bridge. */
  service?: ServiceApi;
  /** The hsm-config.yaml the default service is made with (dev-browser: --config / OLOCUS_CONFIG). */
  config?: HsmConfig;
  /** The first token; default a fresh random one. */
  token?: string;
  runs?: RunManagerOptions;
  /** Refusals and failures, one line each, never with a token or a payload. */
  log?: (line: string) => void;
  /** The page's connection ended (a reload, a closed tab); the dev script prints a new token. */
  onDisconnect?: () => void;
}

export interface Bridge {
  readonly port: number;
  /** http://127.0.0.1:PORT/ */
  readonly origin: string;
  /** The address to open with a token in its fragment (the current token by default). */
  urlWithToken(token?: string): string;
  /** The unused token, or null once a page has connected with it. */
  currentToken(): string | null;
  /** Mints a new token; the previous one stops working. */
  issueToken(): string;
  readonly connected: boolean;
  readonly runs: RunManager;
  close(): Promise<void>;
}

/**
 * Stands in for the sender check: by the time a message arrives, guard.ts has admitted the one
 * page holding the token, so it is "the main frame of our window" in the IPC wrapper's terms.
 */
const ADMITTED_PAGE = { url: APP_ENTRY };
const ADMITTED_EVENT: InvokeEventLike = {
  senderFrame: ADMITTED_PAGE,
  sender: { mainFrame: ADMITTED_PAGE },
};

type Listener = (event: InvokeEventLike, ...args: unknown[]) => unknown;

/**
 * One log line from what the IPC wrapper logs: its sentence, and an error's name and message
 * (a service failure the officer saw only as "see the log"). Other values (zod issue lists,
 * payload fragments) are left out, as is any stack.
 */
function logLine(args: readonly unknown[]): string {
  const parts = args.flatMap((a) => {
    if (typeof a === 'string') return [a];
    if (a instanceof Error) return [`${a.name}: ${a.message}`];
    return [];
  });
  return `olocus bridge: ${parts.join(' ')}`;
}

export async function startBridge(options: BridgeOptions = {}): Promise<Bridge> {
  const log = options.log ?? ((line: string) => console.warn(line));
  const root = resolve(options.rendererDir ?? 'out/renderer');
  const ownService = options.service === undefined;
  const service: ServiceApi =
    options.service ??
    new CeremonyService({
      ...(options.config ? { config: options.config } : {}),
      ...testClock(process.env),
    });
  const guard = new TokenGuard(options.token);

  let client: WebSocket | null = null;
  const emit = createEmitter(
    (channel, payload) => {
      if (client && client.readyState === client.OPEN) {
        client.send(JSON.stringify({ t: 'event', channel, payload }));
      }
    },
    (...args) => log(logLine(args)),
  );
  const runs = new RunManager(emit, options.runs ?? {});

  const channels = new Map<string, Listener>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => void channels.set(channel, listener),
    removeHandler: (channel) => void channels.delete(channel),
  };
  // A browser tab has no desktop to open a card or report on: openPath says where it is.
  const files = { cannotOpen: 'the browser bridge cannot open files' };
  const unregister = registerContract(ipc, createHandlers(service, runs, { files }), {
    log: (...args) => log(logLine(args)),
  });

  let port = 0;
  const server: Server = createServer((req, res) => {
    void answerHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, bridgeHeaders(port));
      res.end();
    });
  });

  async function answerHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = checkHost(req.headers.host, port);
    if (!isLoopback(req.socket.remoteAddress) || !host.ok) {
      log(`olocus bridge: HTTP request refused: ${host.ok ? 'not a loopback peer' : host.reason}`);
      res.writeHead(403, bridgeHeaders(port)).end();
      return;
    }
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (pathname === BRIDGE_SCRIPT_PATH && (method === 'GET' || method === 'HEAD')) {
      const body = clientScript();
      res.writeHead(200, {
        ...bridgeHeaders(port),
        'Content-Type': 'text/javascript; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(body)),
        'Cache-Control': 'no-store',
      });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    if (pathname.startsWith(BRIDGE_PREFIX)) {
      res.writeHead(404, bridgeHeaders(port)).end();
      return;
    }
    const answer = await serveStatic(root, pathname, method, port);
    // Browsers ask for a favicon on their own; the Electron window never does. Without one in
    // the build, "nothing" rather than a 404 that every page's console would report.
    if (answer.status === 404 && pathname === '/favicon.ico') {
      res.writeHead(204, bridgeHeaders(port)).end();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body ?? undefined);
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // Answer with the bridge protocol only: the token protocol is never echoed back.
    handleProtocols: (offered) => (offered.has(BRIDGE_PROTOCOL) ? BRIDGE_PROTOCOL : false),
  });

  function admit(req: IncomingMessage): Verdict {
    if (!isLoopback(req.socket.remoteAddress)) {
      return { ok: false, status: 403, reason: 'not a loopback peer' };
    }
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== BRIDGE_WS_PATH) {
      return { ok: false, status: 403, reason: 'not the bridge path' };
    }
    const host = checkHost(req.headers.host, port);
    if (!host.ok) return host;
    const origin = checkOrigin(req.headers.origin, port);
    if (!origin.ok) return origin;
    // Checked before the token, so a second page cannot spend a token meant for a reload.
    if (client) return { ok: false, status: 403, reason: 'another page is already connected' };
    return guard.redeem(offeredProtocols(req.headers['sec-websocket-protocol']));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = admit(req);
    if (!verdict.ok) {
      log(`olocus bridge: WebSocket refused: ${verdict.reason}`);
      socket.end(
        `HTTP/1.1 ${verdict.status} ${STATUS_CODES[verdict.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    client = ws;
    ws.on('message', (data: RawData, isBinary: boolean) => void onMessage(ws, data, isBinary));
    ws.on('close', () => {
      if (client === ws) client = null;
      options.onDisconnect?.();
    });
    ws.on('error', () => ws.terminate());
  }

  async function onMessage(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
    } catch {
      log('olocus bridge: a message that is not JSON text; connection closed');
      ws.close(1007, 'not JSON text');
      return;
    }
    const parsed = invokeMessage.safeParse(frame);
    if (!parsed.success) {
      log('olocus bridge: a message that is not an invoke frame; connection closed');
      ws.close(1008, 'not an invoke frame');
      return;
    }
    const { id, name, args } = parsed.data;
    const listener = (INVOKE_NAMES as readonly string[]).includes(name)
      ? channels.get(invokeChannel(name as InvokeName))
      : undefined;
    const envelope = listener
      ? await listener(ADMITTED_EVENT, ...args)
      : { ok: false, error: validationError('no such request in the contract') };
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'result', id, envelope }));
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;

  return {
    port,
    origin: `${origin}/`,
    urlWithToken: (token) => `${origin}/#token=${token ?? guard.peek() ?? ''}`,
    currentToken: () => guard.peek(),
    issueToken: () => guard.issue(),
    get connected() {
      return client !== null;
    },
    runs,
    async close() {
      runs.cancelAll();
      unregister();
      for (const ws of wss.clients) ws.close(1000, 'the bridge stopped');
      client?.close(1000, 'the bridge stopped');
      await new Promise<void>((ok) => wss.close(() => ok()));
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      if (ownService) await (service as CeremonyService).close();
    },
  };
}
