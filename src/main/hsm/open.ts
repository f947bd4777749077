// From an RFC 7512 URI to an open, logged-in PKCS#11 provider: which library, which token, which
// PIN. A URI that could match more than one thing is an error, never a guess.
import { realpathSync } from 'node:fs';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { Secret } from '../../shared/secret';
import { readPin } from './pin';
import type { ReadPinOptions } from './pin';
import { libraryModuleName, listRegisteredModules } from './p11kit';
import type { RegisteredModule } from './p11kit';
import { Pkcs11Provider } from './pkcs11/provider';
import type { TokenProvider } from './provider';
import type { PoolOptions } from './pkcs11/session-pool';
import type { TokenMatch } from './pkcs11/token';
import { describeMatch } from './pkcs11/token';
import type { KeyClass, KeySelector, ModuleInfo, TokenInfo } from './types';
import { parsePinSource } from './uri';
import type { PinSource, Pkcs11Uri } from './uri';
import { findDefaultModules } from './vendors';

export type LoginMode = 'auto' | 'always' | 'never';

export interface OpenPkcs11Options {
  /** auto (default): log in when the URI has pin-source; always: also prompt; never. */
  login?: LoginMode;
  readPin?: (source: PinSource | undefined, options: ReadPinOptions) => Promise<Secret>;
  onWarning?: (message: string) => void;
  /** The modules a URI without module-path may use; default p11-kit registrations. */
  modules?: () => Promise<RegisteredModule[]>;
  pool?: Partial<PoolOptions>;
  threads?: number;
}

export interface CandidateModule {
  name: string | null;
  path: string;
  /** True when the URI named the module (module-path or module-name) rather than letting us search. */
  named: boolean;
}

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** Refuses what this tool must not silently widen or ignore. */
export function checkUri(uri: Pkcs11Uri): void {
  const vendor = [...(uri.pathVendor?.keys() ?? [])];
  if (vendor.length > 0) {
    throw invalid(
      `The PKCS#11 URI attribute ${vendor.join(', ')} is not one this tool knows, and RFC 7512 says such a URI matches nothing.`,
    );
  }
  if (uri.pinValue !== undefined) {
    throw invalid(
      'PINs are never taken in a URI: replace pin-value= with pin-source=file:PATH or pin-source=env:NAME.',
    );
  }
  // A mistyped pin-source is reported before any module is loaded.
  if (uri.pinSource !== undefined) parsePinSource(uri.pinSource);
  if (uri.slotManufacturer !== undefined) {
    throw invalid(
      'The PKCS#11 URI attribute slot-manufacturer is not supported yet; name the token by token=, serial= or slot-id=.',
    );
  }
}

export function tokenMatchFromUri(uri: Pkcs11Uri): TokenMatch {
  const m: TokenMatch = {};
  if (uri.token !== undefined) m.token = uri.token;
  if (uri.serial !== undefined) m.serial = uri.serial;
  if (uri.manufacturer !== undefined) m.manufacturer = uri.manufacturer;
  if (uri.model !== undefined) m.model = uri.model;
  if (uri.slotId !== undefined) m.slotId = uri.slotId;
  if (uri.slotDescription !== undefined) m.slotDescription = uri.slotDescription;
  return m;
}

/** Same rule as the provider's pickToken: with no attribute given, initialised tokens only. */
export function tokenMatches(t: TokenInfo, m: TokenMatch): boolean {
  const given = Object.values(m).some((v) => v !== undefined);
  return (
    (given || t.initialized) &&
    (m.token === undefined || t.label === m.token) &&
    (m.serial === undefined || t.serial === m.serial) &&
    (m.manufacturer === undefined || t.manufacturer === m.manufacturer) &&
    (m.model === undefined || t.model === m.model) &&
    (m.slotId === undefined || t.slotId === m.slotId) &&
    (m.slotDescription === undefined || t.slotDescription === m.slotDescription)
  );
}

export function describeTokenMatch(uri: Pkcs11Uri): string {
  return describeMatch(tokenMatchFromUri(uri));
}

const KEY_CLASS: Record<string, KeyClass> = {
  private: 'private',
  public: 'public',
  'secret-key': 'secret',
};

export function keySelectorFromUri(uri: Pkcs11Uri): KeySelector {
  const sel: KeySelector = {};
  if (uri.object !== undefined) sel.label = uri.object;
  if (uri.id !== undefined) sel.id = uri.id;
  if (uri.type !== undefined) {
    const cls = KEY_CLASS[uri.type];
    if (!cls) throw invalid(`The URI names a ${uri.type} object (type=${uri.type}), not a key.`);
    sel.class = cls;
  }
  return sel;
}

/** RFC 7512 library-* attributes against C_GetInfo; an omitted minor version reads as 0. */
export function libraryMatches(info: ModuleInfo, uri: Pkcs11Uri): boolean {
  const version = (v: string) => v.split('.').map(Number);
  if (uri.libraryVersion !== undefined) {
    const [wantMajor, wantMinor = 0] = version(uri.libraryVersion);
    const [major, minor = 0] = version(info.libraryVersion);
    if (wantMajor !== major || wantMinor !== minor) return false;
  }
  return (
    (uri.libraryManufacturer === undefined || info.manufacturer === uri.libraryManufacturer) &&
    (uri.libraryDescription === undefined || info.description === uri.libraryDescription)
  );
}

/** One library reached by two paths (a symlink) must load once: C_Initialize runs once per process. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // Missing: loading it will say so, naming the path as given.
  }
}

/** The libraries a URI may mean: the one it names, or every module registered with p11-kit. */
export async function candidateModules(
  uri: Pkcs11Uri,
  opts: Pick<OpenPkcs11Options, 'modules'> = {},
): Promise<CandidateModule[]> {
  if (uri.modulePath !== undefined) {
    return [{ name: null, path: canonical(uri.modulePath), named: true }];
  }
  let registered = await (opts.modules ?? (() => listRegisteredModules()))();
  if (registered.length === 0) {
    registered = findDefaultModules().map((m) => ({ name: m.vendor, path: m.path }));
  }
  if (uri.moduleName !== undefined) {
    const want = uri.moduleName;
    const hit = registered.find((m) => m.name === want || libraryModuleName(m.path) === want);
    if (!hit) {
      throw new OlocusError(
        ErrorCode.CONNECTION_FAILED,
        `No PKCS#11 module named "${want}" is registered with p11-kit (registered: ${registered.map((m) => m.name).join(', ') || 'none'}); give module-path= instead.`,
      );
    }
    return [{ name: hit.name, path: canonical(hit.path), named: true }];
  }
  if (uri.initArgs !== undefined) {
    throw invalid(
      'x-init-args is meant for one module: add module-path= or module-name= to the URI.',
    );
  }
  if (registered.length === 0) {
    throw new OlocusError(
      ErrorCode.CONNECTION_FAILED,
      'The URI has no module-path and no PKCS#11 module is registered with p11-kit; add module-path=/path/to/the/vendor/library.so to the URI.',
    );
  }
  const seen = new Set<string>();
  return registered
    .map((m) => ({ name: m.name, path: canonical(m.path), named: false }))
    .filter((m) => !seen.has(m.path) && seen.add(m.path));
}

/** Opens the token the URI names and, as `login` says, logs in with the PIN from pin-source. */
export async function openPkcs11(
  uri: Pkcs11Uri,
  opts: OpenPkcs11Options = {},
): Promise<Pkcs11Provider> {
  checkUri(uri);
  const token = tokenMatchFromUri(uri);
  const candidates = await candidateModules(uri, opts);
  const base = {
    token,
    ...(uri.initArgs !== undefined ? { initArgs: uri.initArgs } : {}),
    ...(opts.pool ? { pool: opts.pool } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
  };
  let provider: Pkcs11Provider;
  const only = candidates[0];
  if (candidates.length === 1 && only?.named) {
    provider = await Pkcs11Provider.open({ ...base, modulePath: only.path });
    const info = await provider.info();
    if (!libraryMatches(info, uri)) {
      await provider.close();
      throw new OlocusError(
        ErrorCode.TOKEN_NOT_FOUND,
        `The module ${info.path} is "${info.manufacturer} ${info.description}" version ${info.libraryVersion}, not the library the URI's library-… attributes name.`,
      );
    }
  } else {
    const scan = await scanModules(candidates, uri, base);
    try {
      const chosen = chooseModule(scan.results, uri);
      // Opened while the scan still holds the module, so it is not finalised and loaded again.
      provider = await Pkcs11Provider.open({ ...base, modulePath: chosen.path });
    } finally {
      await scan.close();
    }
  }
  try {
    await loginFromUri(provider, uri, opts);
  } catch (e) {
    await provider.close();
    throw e;
  }
  return provider;
}

export interface ModuleScan {
  module: CandidateModule;
  info: ModuleInfo | null;
  /** Every token present in the module. */
  tokens: TokenInfo[];
  /** The tokens the URI's token attributes match. */
  matched: TokenInfo[];
  error: OlocusError | null;
}

/**
 * Loads every candidate and lists its tokens. The modules stay loaded until `close`, so the
 * caller can open the one it wants without finalising and initialising it again.
 */
export async function scanModules(
  candidates: CandidateModule[],
  uri: Pkcs11Uri,
  opts: { initArgs?: string; mechanisms?: boolean } = {},
): Promise<{ results: ModuleScan[]; close: () => Promise<void> }> {
  const match = tokenMatchFromUri(uri);
  const open: Pkcs11Provider[] = [];
  const results = await Promise.all(
    candidates.map(async (module): Promise<ModuleScan> => {
      const scan: ModuleScan = { module, info: null, tokens: [], matched: [], error: null };
      try {
        const p = await Pkcs11Provider.open({
          modulePath: module.path,
          ...(opts.initArgs !== undefined ? { initArgs: opts.initArgs } : {}),
        });
        open.push(p);
        scan.info = await p.info();
        if (!libraryMatches(scan.info, uri)) return scan;
        scan.tokens = await p.listTokens({ mechanisms: opts.mechanisms ?? false });
        scan.matched = scan.tokens.filter((t) => tokenMatches(t, match));
      } catch (e) {
        scan.error =
          e instanceof OlocusError
            ? e
            : new OlocusError(ErrorCode.CONNECTION_FAILED, String(e), { cause: e });
      }
      return scan;
    }),
  );
  return { results, close: async () => void (await Promise.all(open.map((p) => p.close()))) };
}

function summarise(s: ModuleScan): string {
  const where = `${s.module.name ?? 'module'} (${s.module.path})`;
  if (s.error) return `${where}: could not be loaded (error ${s.error.code})`;
  const ready = s.tokens.filter((t) => t.initialized);
  if (ready.length === 0) return `${where}: no initialised tokens`;
  return `${where}: ${ready.map((t) => `"${t.label}"`).join(', ')}`;
}

/** The one scanned module holding the token the URI names. */
export function chooseModule(results: ModuleScan[], uri: Pkcs11Uri): CandidateModule {
  const hits = results.filter((s) => s.matched.length > 0);
  if (hits.length === 1) return hits[0]!.module;
  const what = describeTokenMatch(uri);
  if (hits.length === 0) {
    throw new OlocusError(
      ErrorCode.TOKEN_NOT_FOUND,
      `${what.charAt(0).toUpperCase()}${what.slice(1)} is in none of the PKCS#11 modules searched; found ${results.map(summarise).join('; ')}.`,
    );
  }
  throw invalid(
    `More than one PKCS#11 module holds ${what} (${hits.map(summarise).join('; ')}); add module-path= or module-name= to the URI.`,
  );
}

/** Logs in as `mode` says; the PIN is read only once the token is known to be there. */
export async function loginFromUri(
  provider: TokenProvider,
  uri: Pkcs11Uri,
  opts: Pick<OpenPkcs11Options, 'login' | 'readPin' | 'onWarning'> = {},
): Promise<boolean> {
  const mode = opts.login ?? 'auto';
  if (mode === 'never' || (mode === 'auto' && uri.pinSource === undefined)) return false;
  const source = uri.pinSource === undefined ? undefined : parsePinSource(uri.pinSource);
  const info = await provider.tokenInfo();
  // Some tokens need no login; without a pin-source there is then nothing to ask for.
  if (!source && !info.loginRequired) return false;
  const pin = await (opts.readPin ?? readPin)(source, {
    prompt: `PIN for token "${info.label}": `,
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
  });
  try {
    await pin.use((bytes) => provider.login(bytes));
  } finally {
    pin.dispose();
  }
  return true;
}
