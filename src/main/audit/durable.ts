// The one home of durable file writes, low in the stack so the ledger, run directories and
// transfer outputs share them: each operation is durable before it returns (bytes and, for new
// or renamed files, the directory entry on stable storage). Outputs are written once and never
// overwritten; state is replaced atomically, so a crash leaves either the old or the new file.
import { mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';

/** Writes every byte (a write may be short) at the handle's position; O_APPEND appends. */
export async function writeFully(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

/** fsync of a directory, so that a file just created or renamed in it survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Creates `path` (never replacing anything), writes `bytes` and syncs file and directory. */
export async function writeNewFileDurably(
  path: string,
  dir: string,
  bytes: Uint8Array,
): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await writeFully(fh, bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await syncDirectory(dir);
}

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
