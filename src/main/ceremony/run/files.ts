// Durable file writes for a run directory: outputs are written once and never overwritten, and
// state is replaced atomically, so a crash at any point leaves either the old or the new file.
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from '../../audit/durable';
import { ErrorCode, OlocusError } from '../../../shared/errors';

/** Writes a new file and fsyncs it and its directory; an existing file is an error, never replaced. */
export async function writeOnce(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let h;
  try {
    h = await open(path, 'wx', mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      // The same bytes again is a step repeated after a crash, which finds its own output.
      const same = Buffer.from(await readFile(path)).equals(
        Buffer.from(typeof data === 'string' ? Buffer.from(data) : data),
      );
      if (same) return;
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `${path} already exists; ceremony outputs are never overwritten.`,
      );
    }
    throw e;
  }
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
  await syncDirectory(dirname(path));
}

/** Replaces `path` atomically: write a temporary file, fsync, rename over, fsync the directory. */
export async function replaceAtomically(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const h = await open(tmp, 'w', mode);
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
