// Taking a run directory: it holds share cards, backups and the ledger, so it is private to its
// owner (0700) and written by one process at a time (run.lock, audit/write-lock.ts). A directory
// that another user could write into is refused: they could swap a card, a backup blob or the
// ledger between two steps, or plant a symlink where an output will be written.
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { RUN_LOCK, acquireLock, isLockFile, type HeldLock } from '../../audit/write-lock';

/** Mode of a run directory and of every folder the run makes in it. */
export const RUN_DIR_MODE = 0o700;
/** Mode of the files in a run directory that must stay private (state, backups, cards). */
export const PRIVATE_FILE_MODE = 0o600;

/** Refuses a directory others could write; creates a missing one 0700. */
export async function checkRunDirectory(dir: string): Promise<void> {
  const full = resolve(dir);
  let info;
  try {
    info = await lstat(full);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(full, { recursive: true, mode: RUN_DIR_MODE });
    return;
  }
  if (info.isSymbolicLink() || !info.isDirectory())
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${full} is not a directory${info.isSymbolicLink() ? ' (it is a symbolic link)' : ''}; a run needs a directory of its own.`,
    );
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${full} belongs to another user (uid ${info.uid}); a run directory must be your own, since it holds share cards and backups.`,
    );
  if ((info.mode & 0o022) !== 0)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${full} can be written by ${info.mode & 0o002 ? 'any user' : 'its group'} (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}); a run refuses a directory others can write. Use a new directory, or chmod 700 it.`,
    );
  // Readable by others is tightened, not refused: the owner asked for this directory.
  if ((info.mode & 0o077) !== 0) await chmod(full, RUN_DIR_MODE);
}

/** Checks the directory and takes its run lock for the whole run. */
export async function takeRunDirectory(dir: string): Promise<HeldLock> {
  await checkRunDirectory(dir);
  const full = resolve(dir);
  return acquireLock(join(full, RUN_LOCK), `The run directory ${full}`);
}

/** Directory entries that are not a run's content: locks (and what the caller says). */
export const isBookkeeping = (name: string, preexisting: readonly string[] = []): boolean =>
  isLockFile(name) || preexisting.includes(name);
