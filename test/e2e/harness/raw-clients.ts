// Clients that are not the bridge script: a WebSocket handshake or an HTTP request made by
// hand, as another program on the machine (or a page of another origin) could make them.
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { BRIDGE_PROTOCOL, BRIDGE_WS_PATH, tokenProtocol } from '../../../src/bridge/index';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawClients {
  /** The handshake's HTTP status: 101 when admitted (then closed at once), else the refusal. */
  tryConnect(opts: { origin?: string; token?: string; host?: string }): Promise<number>;
  /** A connection that passes the guard with `token`, to speak the wire format by hand. */
  connectRaw(token: string): Promise<WebSocket>;
  httpGet(path: string, opts?: { host?: string; method?: string }): Promise<HttpAnswer>;
  httpStatus(path: string, opts?: { host?: string; method?: string }): Promise<number>;
}

export function rawClients(port: number): RawClients {
  const wsUrl = `ws://127.0.0.1:${port}${BRIDGE_WS_PATH}`;
  const httpGet: RawClients['httpGet'] = (path, opts = {}) =>
    new Promise((done, fail) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
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

  return {
    tryConnect: (opts) =>
      new Promise((done) => {
        const protocols = [BRIDGE_PROTOCOL, ...(opts.token ? [tokenProtocol(opts.token)] : [])];
        const ws = new WebSocket(wsUrl, protocols, {
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
      }),
    connectRaw: (token) =>
      new Promise((done, fail) => {
        const ws = new WebSocket(wsUrl, [BRIDGE_PROTOCOL, tokenProtocol(token)], {
          origin: `http://127.0.0.1:${port}`,
        });
        ws.once('open', () => done(ws));
        ws.once('error', fail);
      }),
    httpGet,
    httpStatus: async (path, opts = {}) => (await httpGet(path, opts)).status,
  };
}
