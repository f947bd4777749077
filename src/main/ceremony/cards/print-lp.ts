// Printing a share card through CUPS's `lp` when this machine has it: the outlet `ceremony cards
// print` uses, and the wizard's outside Electron (the bridge, tests). Nothing else is tried: a
// viewer would cache the PDF, which is what destroying the card is against.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findLp(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'lp');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Sends the file to the default printer; resolves with lp's own words (the job id). */
export function printWithLp(lp: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(lp, ['--', path], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error((stderr || error.message).trim()));
      else resolve(stdout.trim());
    });
  });
}
