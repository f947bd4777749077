// What the home screen needs before anything else: the app's version, where runs go, which
// ceremony scripts ship with the app, and a SoftHSM URI to try when no HSM is configured.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { loadScript } from '../ceremony/script/load';
import { resourcePath } from '../resources';
import { formatPkcs11Uri } from '../hsm/uri';
import { findDefaultModules } from '../hsm/vendors';

export interface BundledScript {
  /** The ceremony's name as the script gives it (the file name when it cannot be read). */
  name: string;
  path: string;
  file: string;
  ceremonyId: string | null;
}

export interface AppInfo {
  version: string;
  workspace: string;
  bundledScripts: BundledScript[];
  defaultHsmUri: string | null;
}

export const WORKSPACE_ENV = 'OLOCUS_WORKSPACE';
export const DEFAULT_WORKSPACE_NAME = 'OlocusCeremonies';

let version: string | null = null;

/** package.json's version, found from the sources (src/main/service) and a build (out/main). */
export function appVersion(): string {
  if (version) return version;
  for (const up of ['../../../package.json', '../../package.json', '../package.json']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (!existsSync(p)) continue;
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'olocus-ceremony' && typeof pkg.version === 'string') {
        return (version = pkg.version);
      }
    } catch {
      // Another package.json on the way up (not ours, or unreadable): keep looking.
    }
  }
  return (version = 'unknown');
}

/**
 * The folder new runs go in: OLOCUS_WORKSPACE when set (anywhere it says), else
 * ~/OlocusCeremonies. Created when missing, so the wizard can offer it at once.
 */
export async function workspaceDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const chosen = env[WORKSPACE_ENV]?.trim();
  const dir = chosen ? resolve(chosen) : join(homedir(), DEFAULT_WORKSPACE_NAME);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The ceremony workspace ${dir} cannot be created: ${(cause as Error).message}.${chosen ? ` Check ${WORKSPACE_ENV}.` : ''}`,
      { cause },
    );
  }
  return dir;
}

/** The scripts in resources/ceremonies, each named by the ceremony it describes. */
export async function bundledScripts(): Promise<BundledScript[]> {
  let dir: string;
  try {
    dir = resourcePath('ceremonies');
  } catch {
    return [];
  }
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/i.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      try {
        const { script } = await loadScript(path);
        return { name: script.ceremony.name, path, file, ceremonyId: script.ceremony.id };
      } catch {
        // A broken bundled script is still listed; validating it shows the problem by line.
        return { name: basename(file).replace(/\.ya?ml$/i, ''), path, file, ceremonyId: null };
      }
    }),
  );
}

/** `pkcs11:?module-path=…` for the SoftHSM module the vendor profiles find here, or null. */
export function defaultHsmUri(platform: NodeJS.Platform = process.platform): string | null {
  const softhsm = findDefaultModules(platform).find((m) => m.vendor === 'softhsm');
  return softhsm ? formatPkcs11Uri({ modulePath: softhsm.path }) : null;
}

export async function appInfo(env: NodeJS.ProcessEnv = process.env): Promise<AppInfo> {
  return {
    version: appVersion(),
    workspace: await workspaceDir(env),
    bundledScripts: await bundledScripts(),
    defaultHsmUri: defaultHsmUri(),
  };
}
