// PKCS#11 modules registered with p11-kit (pkcs11.conf(5)): what a URI without module-path can
// use. We read the registrations ourselves rather than load p11-kit-proxy, so each module is
// loaded directly and errors name the real library.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';

export interface RegisteredModule {
  /** The registration's file name without `.module`, e.g. "softhsm2". */
  name: string;
  /** Absolute path of the library. */
  path: string;
}

export interface P11KitDirs {
  /** Registration directories, lowest precedence first: a later file of the same name wins. */
  configDirs: string[];
  /** Where relative `module:` names live (p11-kit's compiled-in module dir, per distribution). */
  libraryDirs: string[];
}

/** The name programs use in `enable-in` / `disable-in` to include or exclude this application. */
export const P11KIT_PROGRAM_NAME = 'olocus-ceremony';

export function defaultP11KitDirs(): P11KitDirs {
  return {
    configDirs: [
      '/usr/share/p11-kit/modules', // packages
      '/etc/pkcs11/modules', // the administrator
      join(homedir(), '.config/pkcs11/modules'), // the user
    ],
    libraryDirs: [
      '/usr/lib/x86_64-linux-gnu/pkcs11',
      '/usr/lib/aarch64-linux-gnu/pkcs11',
      '/usr/lib64/pkcs11',
      '/usr/lib/pkcs11',
    ],
  };
}

/** `key: value` lines; `#` starts a comment line. Later keys win, as in p11-kit. */
export function parseModuleConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return out;
}

function listed(list: string | undefined, program: string): boolean {
  return (list ?? '').split(/[\s,]+/).includes(program);
}

/** True when the registration allows this program (p11-kit's enable-in / disable-in rules). */
export function enabledFor(config: Map<string, string>, program = P11KIT_PROGRAM_NAME): boolean {
  if (config.has('enable-in') && !listed(config.get('enable-in'), program)) return false;
  return !listed(config.get('disable-in'), program);
}

/** A relative module name resolved in the first library dir that holds it. */
export function resolveModulePath(
  module: string,
  libraryDirs: string[],
  exists: (path: string) => boolean = existsSync,
): string {
  if (isAbsolute(module)) return module;
  const candidates = libraryDirs.map((dir) => join(dir, module));
  // When no dir has it, the first candidate still names the library in the load error.
  return candidates.find(exists) ?? candidates[0] ?? module;
}

async function readDir(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return files; // A missing directory is the normal case for two of the three.
  }
  for (const entry of entries) {
    if (!entry.endsWith('.module') || entry.startsWith('.')) continue;
    try {
      files.set(basename(entry, '.module'), await readFile(join(dir, entry), 'utf8'));
    } catch {
      // An unreadable registration is skipped, as p11-kit skips it.
    }
  }
  return files;
}

/** Modules registered with p11-kit that this program may load, sorted by name. */
export async function listRegisteredModules(
  dirs: Partial<P11KitDirs> = {},
  exists: (path: string) => boolean = existsSync,
): Promise<RegisteredModule[]> {
  const { configDirs, libraryDirs } = { ...defaultP11KitDirs(), ...dirs };
  const byName = new Map<string, string>();
  for (const dir of configDirs) {
    for (const [name, text] of await readDir(dir)) byName.set(name, text);
  }
  const modules: RegisteredModule[] = [];
  for (const [name, text] of byName) {
    const config = parseModuleConfig(text);
    const module = config.get('module');
    if (!module || !enabledFor(config)) continue;
    modules.push({ name, path: resolveModulePath(module, libraryDirs, exists) });
  }
  return modules.sort((a, b) => a.name.localeCompare(b.name));
}

/** The RFC 7512 module-name of a library: its file name without "lib" and extension. */
export function libraryModuleName(path: string): string {
  // Either separator: module paths from Windows configs reach this on any platform.
  return (path.split(/[\\/]/).pop() ?? path)
    .replace(/\.(so(\.\d+)*|dylib|dll)$/i, '')
    .replace(/^lib/, '');
}
