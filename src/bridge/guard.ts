// Who may open the bridge's WebSocket. The bridge hands `window.olocus` (and with it the HSM)
// to whatever page connects, so a connection needs all of: a loopback peer, our own Host and
// Origin (another site open in the same browser, or a DNS-rebound name, is refused), and the
// one-time token printed when the bridge started. The first connection that passes burns the
// token; a replay, a second tab or a script that read the URL later gets nothing.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The subprotocol the client asks for; the token travels as a second one (see tokenProtocol). */
export const BRIDGE_PROTOCOL = 'olocus.bridge.v1';
const TOKEN_PREFIX = 'olocus-token.';

/** The token as the client offers it: a Sec-WebSocket-Protocol value (base64url is a valid one). */
export const tokenProtocol = (token: string): string => `${TOKEN_PREFIX}${token}`;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  // An IPv4 peer on a dual-stack socket shows up as ::ffff:127.x.y.z.
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(a) === 4) return a.split('.')[0] === '127';
  return a === '::1';
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** Host and Origin the bridge answers to: exactly its own address, nothing else. */
export function checkHost(host: string | undefined, port: number): Verdict {
  return host === `127.0.0.1:${port}`
    ? { ok: true }
    : { ok: false, status: 403, reason: 'the Host header is not the bridge address' };
}

export function checkOrigin(origin: string | undefined, port: number): Verdict {
  // Browsers always send Origin on a WebSocket handshake; a client without one is no page of ours.
  return origin === `http://127.0.0.1:${port}`
    ? { ok: true }
    : { ok: false, status: 403, reason: origin ? 'a foreign Origin' : 'no Origin header' };
}

/** Parses a Sec-WebSocket-Protocol header into the offered protocol names. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Holds the current token. Only one is ever valid; `burn` is called by the connection that
 * presented it, and `issue` mints the next one (the dev script prints it after a reload).
 */
export class TokenGuard {
  private current: Buffer | null;

  constructor(initial: string = newToken()) {
    this.current = Buffer.from(initial, 'utf8');
  }

  /** A fresh token; whatever token was valid before is no longer. */
  issue(): string {
    const token = newToken();
    this.current = Buffer.from(token, 'utf8');
    return token;
  }

  /** The current token, if unused (the harness and the dev script read it once, to print it). */
  peek(): string | null {
    return this.current ? this.current.toString('utf8') : null;
  }

  /** Checks the offered protocols; on success the token is spent and cannot be used again. */
  redeem(protocols: readonly string[]): Verdict {
    if (!protocols.includes(BRIDGE_PROTOCOL)) {
      return { ok: false, status: 401, reason: 'not a bridge client' };
    }
    const offered = protocols.find((p) => p.startsWith(TOKEN_PREFIX));
    if (!offered) return { ok: false, status: 401, reason: 'no token' };
    if (!this.current) return { ok: false, status: 401, reason: 'the token was already used' };
    const given = Buffer.from(offered.slice(TOKEN_PREFIX.length), 'utf8');
    const match = given.length === this.current.length && timingSafeEqual(given, this.current);
    if (!match) return { ok: false, status: 401, reason: 'a wrong token' };
    this.current = null;
    return { ok: true };
  }
}
