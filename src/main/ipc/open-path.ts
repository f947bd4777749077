// openPath: the wizard lists share-card PDFs and the report, and an officer opens one to print
// it. A renderer that asks the desktop to open a file is a renderer that can launch things, so
// this opens only a PDF or JSON file that is really (after every symlink) inside a run
// directory this session started or listed; everything else is refused before the opener runs.
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, resolve, sep } from 'node:path';
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

/** The openPath handler: checks the path, then opens it (or says how to). */
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
  const failure = await opener.open(real);
  return failure
    ? { opened: false, message: `${asked} could not be opened: ${failure.replace(/\.?$/, '.')}` }
    : { opened: true, message: `${asked} is open in the system viewer; print it from there.` };
}
