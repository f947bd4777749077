// One loaded PKCS#11 library per process: C_Initialize runs once per library, so every provider
// on the same module (one per token) shares its threads; the last one out finalises it.
import { realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { ModuleInfo } from '../types';
import { detectVendor } from '../vendors';
import { Pkcs11Executor } from './executor';
import { mapLoadError } from './errors';

/** `OLOCUS_CALLER_RUNS=0` keeps every PKCS#11 call off the calling thread, whatever the module. */
export const CALLER_RUNS_ENV = 'OLOCUS_CALLER_RUNS';

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
          // One thread first: how many more depends on the module (below).
          threads: threads ?? 1,
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
      // A software token's short operations may run on the calling thread when the threads are
      // busy (caller-runs.ts); a module behind a network or a device never. The calling thread
      // then counts as one of the (at most two) signers, so on two cores the main thread and
      // one PKCS#11 thread share the work rather than three threads fighting for two cores.
      let vendor: ReturnType<typeof detectVendor>;
      try {
        vendor = detectVendor({
          libraryManufacturer: info.manufacturer,
          libraryDescription: info.description,
        });
      } catch (e) {
        // A site quirk file that is refused: nothing of the module may stay loaded.
        await executor.close(true);
        throw e;
      }
      const helps =
        threads !== 0 &&
        vendor?.quirks.inProcess === true &&
        process.env[CALLER_RUNS_ENV] !== '0' &&
        executor.allowCallerRuns();
      if (threads === undefined) {
        const signers = Math.min(2, availableParallelism());
        // A thread that fails to start leaves fewer threads, not a module that fails to load.
        await executor
          .addThreads(Math.max(1, signers - (helps ? 1 : 0)) - 1)
          .catch(() => undefined);
      }
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
