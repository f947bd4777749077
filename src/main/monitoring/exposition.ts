// /metrics (Prometheus text) and /healthz for one Monitor, on loopback unless the operator says
// otherwise: the offline ceremony room must not gain a listening socket by accident, and an
// exposed /metrics tells a network which tokens exist and how busy they are.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { Monitor } from './monitor';

export const DEFAULT_LISTEN = '127.0.0.1:9464';

export interface ListenAddress {
  host: string;
  port: number;
}

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** `HOST:PORT`, `[v6]:PORT`; port 0 picks a free one. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw invalid(
      `--listen "${text}" is not HOST:PORT (for example ${DEFAULT_LISTEN} or [::1]:9464).`,
    );
  }
  return { host: (m[1] ?? m[2])!, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

export function checkListen(addr: ListenAddress, allowPublic: boolean): void {
  if (!allowPublic && !isLoopback(addr.host)) {
    throw invalid(
      `${addr.host} is not a loopback address; the monitor listens on loopback (127.0.0.1, ::1) unless --listen-public is given.`,
    );
  }
}

export interface MetricsServer {
  /** The address actually bound (the port, when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(monitor: Monitor, addr: ListenAddress): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      monitor.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': monitor.metrics.contentType }).end(text),
        () => res.writeHead(500).end('metrics collection failed\n'),
      );
      return;
    }
    if (path === '/healthz') {
      const h = monitor.health();
      res
        .writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ status: h.ok ? 'ok' : 'unhealthy', tokens: h.tokens })}\n`);
      return;
    }
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('not found: try /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const where = `${addr.host}:${addr.port}`;
      reject(
        e.code === 'EADDRINUSE'
          ? invalid(`${where} is already in use; choose another port with --listen.`)
          : e.code === 'EADDRNOTAVAIL'
            ? invalid(`${addr.host} is not an address of this machine; choose another --listen.`)
            : e.code === 'EACCES'
              ? invalid(`Listening on ${where} is not permitted; choose a port above 1023.`)
              : e,
      );
    });
    server.listen(addr.port, addr.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : addr.port;
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
