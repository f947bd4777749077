// One open provider per module and token for the life of the service: loading a module and
// logging in happen once, whichever front (IPC, CLI, test bridge) asks.
import { createHmac, randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { checkUri, loginFromUri, openPkcs11 } from '../hsm/open';
import type { LoginMode, OpenPkcs11Options } from '../hsm/open';
import type { TokenProvider } from '../hsm/provider';
import { parseKeyAddress } from '../hsm/key-address';
import type { Pkcs11Uri } from '../hsm/uri';

interface Connection {
  provider: TokenProvider;
  loggedIn: boolean;
  pendingLogin: Promise<boolean> | null;
  /** Where the PIN of the open login came from (loginSource), once logged in. */
  loginSource: string | null;
}

// Per process: a pin-value is compared by keyed digest, never kept.
const SOURCE_KEY = randomBytes(32);

/**
 * Where a URI says its PIN comes from, comparable between requests: the pin-source text, a keyed
 * digest of a pin-value, or null when it names none (a prompt, or no login at all).
 */
function loginSource(uri: Pkcs11Uri): string | null {
  if (uri.pinSource !== undefined) return `pin-source=${uri.pinSource}`;
  if (uri.pinValue !== undefined)
    return `pin-value#${createHmac('sha256', SOURCE_KEY).update(uri.pinValue).digest('hex')}`;
  return null;
}

/** A source as a sentence may show it: a pin-value is never shown. */
const shown = (source: string): string =>
  source.startsWith('pin-value#') ? 'a pin-value in the URI' : source;

export interface Opened {
  provider: TokenProvider;
  loggedIn: boolean;
}

/** Parses a URI the service was given; only PKCS#11 is wired up so far. */
export function parsePkcs11Address(text: string): Pkcs11Uri {
  const address = parseKeyAddress(text);
  if (address.scheme !== 'pkcs11') {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${address.scheme}:// keys are not supported by this operation yet; use a pkcs11: URI.`,
    );
  }
  checkUri(address.uri);
  return address.uri;
}

/** What decides module and token; object, type, id and pin-source do not open another connection. */
function connectionKey(uri: Pkcs11Uri): string {
  return JSON.stringify([
    uri.modulePath ?? null,
    uri.moduleName ?? null,
    uri.initArgs ?? null,
    uri.libraryManufacturer ?? null,
    uri.libraryDescription ?? null,
    uri.libraryVersion ?? null,
    uri.token ?? null,
    uri.serial ?? null,
    uri.manufacturer ?? null,
    uri.model ?? null,
    uri.slotId ?? null,
    uri.slotDescription ?? null,
  ]);
}

/** How the service opens a token a URI names; the service's owner may hand another (tests, groups). */
export type UriOpener = (uri: Pkcs11Uri, opts: OpenPkcs11Options) => Promise<TokenProvider>;

export class Connections {
  private readonly open = new Map<string, Promise<Connection>>();
  private closed = false;

  private readonly openUri: UriOpener;

  constructor(
    private readonly options: Omit<OpenPkcs11Options, 'login'>,
    openUri: UriOpener = openPkcs11,
  ) {
    this.openUri = openUri;
  }

  /** The provider for the URI's token, logged in as `login` says (once per connection). */
  async get(uri: Pkcs11Uri, login: LoginMode): Promise<Opened> {
    if (this.closed) {
      throw new OlocusError(ErrorCode.SESSION_UNAVAILABLE, 'The ceremony service was closed.');
    }
    const key = connectionKey(uri);
    let pending = this.open.get(key);
    if (!pending) {
      pending = this.openUri(uri, { ...this.options, login: 'never' }).then((provider) => ({
        provider,
        loggedIn: false,
        pendingLogin: null,
        loginSource: null,
      }));
      this.open.set(key, pending);
      pending.catch(() => this.open.delete(key));
    }
    const conn = await pending;
    const wanted = login === 'always' || (login === 'auto' && uri.pinSource !== undefined);
    if (wanted && !conn.loggedIn) {
      // Concurrent requests share one login; a failed one (wrong PIN) is not remembered, so the
      // next request may bring the right PIN.
      conn.pendingLogin ??= loginFromUri(conn.provider, uri, { ...this.options, login })
        .then((ok) => {
          // A lost login (token reset) is re-established once from the same PIN source; a PIN
          // typed at a prompt is not kept, so then the loss is reported (retry.ts).
          if (ok && uri.pinSource !== undefined) {
            const provider = conn.provider;
            provider.relogin = async () => {
              await loginFromUri(provider, uri, { ...this.options, login: 'always' });
            };
          }
          if (ok) conn.loginSource = loginSource(uri);
          return (conn.loggedIn = ok);
        })
        .finally(() => (conn.pendingLogin = null));
      await conn.pendingLogin;
    }
    // Checked after any login, so a request that waited on another's login is checked too.
    const source = loginSource(uri);
    // A token already logged in is not handed to a request that names another PIN source: the
    // login it would get was made with someone else's PIN, which it never proved it knows.
    if (conn.loggedIn && source !== null && conn.loginSource !== source) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Token "${uri.token ?? uri.serial ?? '?'}" is already logged in ${conn.loginSource ? `with the PIN from ${shown(conn.loginSource)}` : 'with a PIN typed at a prompt'}; a request naming ${shown(source)} is refused. Use the same pin-source as the open login.`,
      );
    }
    return { provider: conn.provider, loggedIn: conn.loggedIn };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(
      all.map(async (pending) => {
        const conn = await pending.catch(() => null);
        await conn?.provider.close();
      }),
    );
  }
}
