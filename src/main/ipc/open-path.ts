// openPath: the wizard lists share-card PDFs and the report, and an officer opens one to print
// it. A renderer that asks the desktop to open a file is a renderer that can launch things, so
// this opens only a PDF or JSON file that is really (after every symlink) inside a run
// directory this session started or listed; everything else is refused before the opener runs.
// What was checked is what opens: the file is opened (no symlink followed) right after the check,
// the descriptor is proved to be the checked file, and its bytes are copied into a private temp
// folder (0700, file 0600) whose copy the desktop opens, so a file swapped after the check never
// reaches the viewer.
import { constants } from 'node:fs';
import { lstat, mkdtemp, open, readlink, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';

/** Opens a file in the desktop's viewer: '' when opened, else why not (shell.openPath's way). */
export type OpenFile = (absPath: string) => Promise<string>;

/**
 * How this front opens files: with the desktop's opener (Electron), or not at all, with the
 * reason the officer reads (`cannotOpen`, e.g. "the browser bridge cannot open files").
 */
export type FileOpener = { open: OpenFile } | { cannotOpen: string };

/** Reports, cards, manifests and ledgers: files that are read, never run. */
const OPENABLE = new Set(['.pdf', '.json', '.jsonl']);

const openable = (p: string) => OPENABLE.has(extname(p).toLowerCase());

async function realDir(dir: string): Promise<string | null> {
  try {
    return (await stat(dir)).isDirectory() ? await realpath(dir) : null;
  } catch {
    return null; // a run directory deleted since it was listed protects nothing any more
  }
}

/** The file's real path once every rule holds; throws OlocusError (106/108) otherwise. */
export async function checkOpenable(path: string, runDirs: readonly string[]): Promise<string> {
  if (!isAbsolute(path)) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${path} is not a full path; give the file's whole path inside its run folder.`,
    );
  }
  const asked = resolve(path);
  if (!openable(asked)) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${asked} is not a PDF or JSON file; only a run's report, cards, manifest and ledger open from here.`,
    );
  }
  let real: string;
  try {
    real = await realpath(asked);
    if (!(await stat(real)).isFile()) throw new Error('not a file');
  } catch {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${asked} does not exist or is not a file; it may have been moved or deleted.`,
    );
  }
  const dirs = await Promise.all(runDirs.map(realDir));
  const inside = dirs.some((d) => d !== null && real.startsWith(d.endsWith(sep) ? d : d + sep));
  // The real file's own name counts too: a card.pdf that is a link to a script is not a PDF.
  if (!inside || !openable(real)) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${asked} is not inside a run folder this app started or listed; open it from the file manager.`,
    );
  }
  return real;
}

/** How long a private copy is kept for the viewer to read and print it. */
export const OPENED_COPY_TTL_MS = 5 * 60_000;
const copies = new Set<string>();

/** Removes every private copy openPath made (the shell calls it when the app quits). */
export async function removeOpenedCopies(): Promise<void> {
  const all = [...copies];
  copies.clear();
  await Promise.all(all.map((d) => rm(d, { recursive: true, force: true })));
}

const swapped = (path: string) =>
  new OlocusError(
    ErrorCode.POLICY_VIOLATION,
    `${path} changed while it was being opened (it was replaced or linked elsewhere); nothing was opened.`,
  );

/**
 * Opens the checked real path without following a link, proves the descriptor is that file, and
 * copies its bytes into a new private folder. Returns the copy's path.
 */
export async function privateCopy(real: string): Promise<string> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO swapped in after the check must not hang the main process.
    fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    throw swapped(real);
  }
  try {
    const held = await fh.stat();
    // The path must still lead, through no link, to the very file the descriptor holds.
    const now = await lstat(real).catch(() => null);
    const linkFree = await realpath(real).catch(() => null);
    if (!held.isFile() || !now || now.ino !== held.ino || now.dev !== held.dev || linkFree !== real)
      throw swapped(real);
    // Linux names the descriptor's file outright: the strongest proof where there is one.
    const named = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
    if (named !== null && named !== real) throw swapped(real);
    const bytes = await fh.readFile();
    const dir = await mkdtemp(join(tmpdir(), 'olocus-open-'));
    copies.add(dir);
    const copy = join(dir, basename(real));
    await writeFile(copy, bytes, { mode: 0o600, flag: 'wx' });
    setTimeout(() => {
      copies.delete(dir);
      void rm(dir, { recursive: true, force: true });
    }, OPENED_COPY_TTL_MS).unref();
    return copy;
  } finally {
    await fh.close();
  }
}

/** The openPath handler: checks the path, then opens a private copy of it (or says how to). */
export async function openInRunDir(
  path: string,
  runDirs: readonly string[],
  opener: FileOpener,
): Promise<{ opened: boolean; message: string }> {
  const real = await checkOpenable(path, runDirs);
  const asked = resolve(path);
  if ('cannotOpen' in opener) {
    return { opened: false, message: `Open ${asked} from the run folder: ${opener.cannotOpen}.` };
  }
  const copy = await privateCopy(real);
  const failure = await opener.open(copy);
  return failure
    ? { opened: false, message: `${asked} could not be opened: ${failure.replace(/\.?$/, '.')}` }
    : {
        opened: true,
        message: `${asked} is open in the system viewer (a private copy, removed within ${OPENED_COPY_TTL_MS / 60_000} minutes); print it from there.`,
      };
}
