// Serves the built renderer (out/renderer) on app://olocus/. Only files under the root, only
// on our host, only GET/HEAD; a path that climbs out of the root (`..`, encoded or not, a
// symlink, a backslash, a NUL) is refused. Every response carries the security headers.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { securityHeaders } from './csp';
import { APP_HOST, APP_SCHEME } from './origin';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

function refuse(status: 403 | 404 | 405): Response {
  return new Response(null, { status, headers: securityHeaders() });
}

const within = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** The file a request names under `root`, or null if it names none we will serve. */
export async function resolveRequestPath(root: string, url: string): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== APP_HOST || u.port || u.username)
    return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  // Backslashes and NULs have no business in a URL path; on Windows `\` is a separator.
  if (path.includes('\\') || path.includes('\0')) return null;
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  if (segments.length === 0) segments.push('index.html');
  const realRoot = await realpath(root);
  const candidate = resolve(realRoot, ...segments);
  if (!within(realRoot, candidate)) return null;
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return null;
  }
  // A symlink inside the build that points outside it is refused like `..`.
  if (!within(realRoot, real) || real === realRoot) return null;
  const info = await stat(real);
  return info.isFile() ? real : null;
}

/** protocol.handle('app', …)'s body: a Response for any request, never a throw. */
export async function serveFile(
  root: string,
  url: string,
  method: string = 'GET',
): Promise<Response> {
  try {
    if (method !== 'GET' && method !== 'HEAD') return refuse(405);
    const file = await resolveRequestPath(root, url);
    if (!file) return refuse(404);
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const body = method === 'HEAD' ? null : new Uint8Array(await readFile(file));
    return new Response(body, {
      status: 200,
      headers: { ...securityHeaders(), 'Content-Type': type, 'Cache-Control': 'no-store' },
    });
  } catch {
    return refuse(404);
  }
}
