// One loaded PKCS#11 library per process: C_Initialize runs once per library, so every provider
// on the same module (one per token) shares its threads; the last one out finalises it.
import { realpathSync } from 'node:fs';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { ModuleInfo } from '../types';
import { Pkcs11Executor } from './executor';
import { mapLoadError } from './errors';

export interface LoadedModule {
  path: string;
  initArgs: string | undefined;
  executor: Pkcs11Executor;
  info: ModuleInfo;
  refs: number;
}

const loaded = new Map<string, Promise<LoadedModule>>();

function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const trim = (s: unknown): string => (typeof s === 'string' ? s.replace(/[\s\0]+$/u, '') : '');

export async function acquireModule(
  path: string,
  initArgs?: string,
  threads?: number,
): Promise<LoadedModule> {
  // One library reached by two paths (Debian links /usr/lib/softhsm to the multiarch copy) is
  // one library to the dynamic loader, and must be initialised once.
  const key = canonicalPath(path);
  let pending = loaded.get(key);
  if (!pending) {
    pending = (async () => {
      let executor: Pkcs11Executor;
      try {
        executor = await Pkcs11Executor.start({
          modulePath: path,
          ...(initArgs !== undefined ? { initArgs } : {}),
          ...(threads !== undefined ? { threads } : {}),
        });
      } catch (e) {
        throw mapLoadError(e, path);
      }
      const raw = await executor.call<Record<string, { major: number; minor: number } | string>>({
        op: 'info',
      });
      const v = (x: unknown) => {
        const o = x as { major: number; minor: number };
        return `${o.major}.${o.minor}`;
      };
      const info: ModuleInfo = {
        cryptokiVersion: v(raw.cryptokiVersion),
        manufacturer: trim(raw.manufacturerID),
        description: trim(raw.libraryDescription),
        libraryVersion: v(raw.libraryVersion),
        path,
      };
      return { path, initArgs, executor, info, refs: 0 };
    })();
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key));
  }
  const mod = await pending;
  if (mod.initArgs !== initArgs) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The PKCS#11 module ${path} is already loaded with different initialisation arguments; a module is initialised once per process.`,
    );
  }
  mod.refs++;
  return mod;
}

export async function releaseModule(mod: LoadedModule): Promise<void> {
  if (--mod.refs > 0) return;
  loaded.delete(canonicalPath(mod.path));
  await mod.executor.close(true);
}
