// The bridge's pages: the built renderer (or a test's fixture directory) served the way the
// shell serves it on app://, by the shell's own file resolver (same traversal and symlink
// refusals, same headers), with two differences a browser needs: the CSP also allows the
// bridge's WebSocket, and index.html loads the bridge client before the app's module script.
import { APP_ORIGIN } from '../main/shell/origin';
import { cspHeader, securityHeaders } from '../main/shell/csp';
import { serveFile } from '../main/shell/protocol';
import { BRIDGE_SCRIPT_PATH } from './protocol';

/** The app's CSP with `connect-src` widened to the bridge's own WebSocket address. */
export function bridgeCsp(port: number): string {
  return cspHeader()
    .split('; ')
    .map((d) => (d.startsWith('connect-src ') ? `${d} ws://127.0.0.1:${port}` : d))
    .join('; ');
}

export function bridgeHeaders(port: number): Record<string, string> {
  return { ...securityHeaders(), 'Content-Security-Policy': bridgeCsp(port) };
}

const SCRIPT_TAG = `<script src="${BRIDGE_SCRIPT_PATH}"></script>`;

/**
 * Puts the bridge client before the first module script (a classic script runs while the page
 * parses, module scripts after it), so `window.olocus` exists before the app's code runs.
 */
export function injectBridgeScript(html: string): string {
  const at = html.search(/<script\b[^>]*\btype\s*=\s*["']?module\b/i);
  if (at >= 0) return `${html.slice(0, at)}${SCRIPT_TAG}\n    ${html.slice(at)}`;
  const head = html.search(/<\/head>/i);
  if (head >= 0) return `${html.slice(0, head)}${SCRIPT_TAG}\n  ${html.slice(head)}`;
  return `${SCRIPT_TAG}\n${html}`;
}

export interface StaticAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** GET/HEAD of `pathname` under `root`, as the shell's app:// handler would answer it. */
export async function serveStatic(
  root: string,
  pathname: string,
  method: string,
  port: number,
): Promise<StaticAnswer> {
  const response = await serveFile(root, `${APP_ORIGIN}${pathname}`, method);
  // Header names lower-cased (as Headers gives them), so ours replace the shell's CSP.
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  for (const [k, v] of Object.entries(bridgeHeaders(port))) headers[k.toLowerCase()] = v;
  if (method === 'HEAD' || response.status !== 200)
    return { status: response.status, headers, body: null };
  let body = new Uint8Array(await response.arrayBuffer());
  if ((headers['content-type'] ?? '').startsWith('text/html')) {
    body = new TextEncoder().encode(injectBridgeScript(new TextDecoder().decode(body)));
  }
  headers['content-length'] = String(body.byteLength);
  return { status: response.status, headers, body };
}
