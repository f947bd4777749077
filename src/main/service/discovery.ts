// What the facade reports about PKCS#11 modules and tokens before any key is touched: which
// modules and tokens a URI reaches (with vendor profiles), and whether a token answers.
import { ErrorCode, OlocusError } from '../../shared/errors';
import { candidateModules, scanModules, tokenMatchFromUri } from '../hsm/open';
import type { OpenPkcs11Options } from '../hsm/open';
import { detectVendor } from '../hsm/vendors';
import { parsePkcs11Address } from './connections';
import type { Connections } from './connections';
import type { HsmHealth, ModuleTokens, TokensResult } from './types';

/**
 * Tokens of the module the URI names, or of every registered module when it names none; the
 * URI's token attributes, when given, filter the list and must match at least one token.
 */
export async function discoverTokens(
  hsmUri: string,
  options: Omit<OpenPkcs11Options, 'login'>,
  mechanisms: boolean,
): Promise<TokensResult> {
  const uri = parsePkcs11Address(hsmUri);
  const candidates = await candidateModules(uri, options);
  const scan = await scanModules(candidates, uri, {
    ...(uri.initArgs !== undefined ? { initArgs: uri.initArgs } : {}),
    mechanisms,
  });
  try {
    const named = candidates.length === 1 && candidates[0]?.named;
    const firstError = scan.results.find((s) => s.error)?.error;
    if (named && firstError) throw firstError;
    const filtering = Object.keys(tokenMatchFromUri(uri)).length > 0;
    const modules: ModuleTokens[] = scan.results
      .filter((s) => s.info && (!filtering || s.matched.length > 0))
      .map((s) => ({
        module: { ...s.info!, name: s.module.name, vendor: vendorOf(s) },
        tokens: filtering ? s.matched : s.tokens,
      }));
    if (filtering && modules.length === 0) {
      throw new OlocusError(
        ErrorCode.TOKEN_NOT_FOUND,
        `No token matches the URI in ${candidates.map((c) => c.path).join(', ')}.`,
      );
    }
    return {
      modules,
      unavailable: scan.results
        .filter((s) => s.error)
        .map((s) => ({ name: s.module.name, path: s.module.path, error: s.error!.toJSON() })),
    };
  } finally {
    await scan.close();
  }
}

/**
 * Whether the token the URI names answers, and how fast. A module or token that cannot be
 * opened is an unhealthy report, not an error; a malformed URI is an error.
 */
export async function tokenHealth(connections: Connections, hsmUri: string): Promise<HsmHealth> {
  const uri = parsePkcs11Address(hsmUri);
  const start = performance.now();
  const checkedAt = new Date().toISOString();
  try {
    const { provider } = await connections.get(uri, 'auto');
    const { sessions, ...report } = await provider.health();
    return { ...report, sessions: sessions ?? null, checkedAt };
  } catch (e) {
    if (!(e instanceof OlocusError)) throw e;
    return {
      ok: false,
      provider: uri.modulePath ?? uri.moduleName ?? 'PKCS#11',
      latencyMs: performance.now() - start,
      detail: e.describe(),
      sessions: null,
      checkedAt,
    };
  }
}

function vendorOf(s: {
  info: { manufacturer: string; description: string } | null;
  tokens: { manufacturer: string; model: string }[];
}): string | null {
  const token = s.tokens[0];
  return (
    detectVendor({
      ...(s.info
        ? { libraryManufacturer: s.info.manufacturer, libraryDescription: s.info.description }
        : {}),
      ...(token ? { tokenManufacturer: token.manufacturer, tokenModel: token.model } : {}),
    })?.id ?? null
  );
}
