// One writer per run directory and per ledger. A lock is a small file created with O_EXCL that
// names its holder (pid, host, start time, what it runs). A second writer is refused at once with
// a sentence naming the holder. A lock whose holder is gone (kill -9, power cut) is stale: on the
// same host, a pid that no longer exists proves it, and the lock is taken over; the caller writes
// a ledger note saying so. A lock from another host is never guessed stale: it names that host.
import { hostname } from 'node:os';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';

export const RUN_LOCK = 'run.lock';
export const ledgerLockPath = (ledger: string): string => `${ledger}.lock`;
/** Files a lock leaves in a directory: never outputs, never "content" of a run directory. */
export const isLockFile = (name: string): boolean =>
  name === RUN_LOCK || name.endsWith('.lock') || /\.lock\.(stale|takeover)/.test(name);

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export interface HeldLock {
  path: string;
  /** The dead holder whose stale lock was taken over, or null. */
  takenOver: LockHolder | null;
  release(): Promise<void>;
}

/** What this process is doing, for the holder sentence another process prints. */
export function currentCommand(): string {
  // The command words only: paths and flags may say more than another user should read.
  const words = process.argv
    .slice(2)
    .filter((a) => /^[a-z][a-z-]*$/.test(a))
    .slice(0, 2);
  return words.length === 0
    ? basename(process.argv[1] ?? 'node')
    : `olocus-ceremony ${words.join(' ')}`;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    return {
      pid: h.pid,
      host: h.host,
      started: typeof h.started === 'string' ? h.started : '?',
      command: typeof h.command === 'string' ? h.command : '?',
    };
  } catch {
    return null;
  }
}

/** True when the holder's process is known not to exist (same host, no such pid). */
function isGone(h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function describeHolder(h: LockHolder): string {
  return `process ${h.pid} on ${h.host} (${h.command}, since ${h.started})`;
}

async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(holder)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function readHolder(
  path: string,
): Promise<{ text: string; holder: LockHolder | null } | null> {
  try {
    const text = await readFile(path, 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Removes a stale lock, serialised by a short-lived takeover file so two processes that both saw
 * it stale cannot remove a fresh lock the other just made. Returns false when someone else won.
 */
async function removeStale(path: string, seen: string): Promise<boolean> {
  const guard = `${path}.takeover`;
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command: 'stale lock takeover',
  };
  if (!(await tryCreate(guard, me))) {
    // A takeover killed half-way leaves its guard; a guard whose process is gone is removed.
    const g = await readHolder(guard);
    if (g?.holder && isGone(g.holder)) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    const now = await readHolder(path);
    if (!now || now.text !== seen) return false;
    // Kept beside the lock, not deleted: what the dead holder claimed is evidence too.
    await rename(path, `${path}.stale-${Date.now()}`);
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

/**
 * Takes the lock at `path` or throws (INVALID_INPUT, exit 2) naming the holder. `what` says what
 * is locked, for the sentence: "the run directory /x", "the audit ledger /x/audit.jsonl".
 */
export async function acquireLock(path: string, what: string): Promise<HeldLock> {
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command: currentCommand(),
  };
  let takenOver: LockHolder | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(path, holder)) {
      let released = false;
      return {
        path,
        takenOver,
        release: async () => {
          if (released) return;
          released = true;
          // Only our own lock is removed: a file someone replaced it with is left alone.
          const now = await readHolder(path);
          if (now?.holder?.pid === holder.pid && now.holder.started === holder.started)
            await unlink(path).catch(() => undefined);
        },
      };
    }
    const seen = await readHolder(path);
    if (!seen) continue; // released between our attempt and the read
    const h = seen.holder;
    // Created but not yet written: the holder is between its open and its write.
    if (!h && attempt < 4) {
      await new Promise((r) => setTimeout(r, 25));
      continue;
    }
    if (h && isGone(h)) {
      if (await removeStale(path, seen.text)) takenOver = h;
      continue;
    }
    const who = h
      ? describeHolder(h)
      : `an unreadable lock file (${await stat(path).then((s) => s.size)} bytes)`;
    const hint =
      h && h.host !== hostname()
        ? ` If that process is gone, remove ${path} by hand.`
        : h
          ? ' Wait for it to finish, or stop it first.'
          : ` Remove ${path} if no process is writing.`;
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${what} is in use by ${who}; a second writer is refused.${hint}`,
    );
  }
  throw new OlocusError(
    ErrorCode.INVALID_INPUT,
    `${what} is being locked and unlocked by other processes; try again.`,
  );
}

/** The current holder of a lock, if a live one holds it (for a check that takes nothing). */
export async function liveHolder(path: string): Promise<LockHolder | null> {
  const seen = await readHolder(path);
  if (!seen?.holder) return null;
  return isGone(seen.holder) ? null : seen.holder;
}

/**
 * The lock a ledger writer holds while its ledger is open. A ledger inside a run directory that
 * another process is running is refused too, even before that run has made its ledger.
 */
export async function acquireLedgerLock(ledger: string): Promise<HeldLock> {
  const lock = await acquireLock(ledgerLockPath(ledger), `The audit ledger ${ledger}`);
  const run = await liveHolder(join(dirname(ledger), RUN_LOCK)).catch(() => null);
  if (run && !(run.pid === process.pid && run.host === hostname())) {
    await lock.release();
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The audit ledger ${ledger} belongs to the run directory ${dirname(ledger)}, which is in use by ${describeHolder(run)}; a second writer is refused. Wait for it to finish, or stop it first.`,
    );
  }
  return lock;
}
