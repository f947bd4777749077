// The few file operations the ledger needs, each durable before it returns: a record counts as
// written only once its bytes and (for new files) its directory entry are on stable storage.
import { open, type FileHandle } from 'node:fs/promises';

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
