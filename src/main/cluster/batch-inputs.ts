// What a batch signs: the files a list names (one path a line, relative to the list; `SHA256
// path` in sha256sum form pins the file's digest) or every regular file of a directory. Every
// problem is found before anything is signed.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { ErrorCode, OlocusError } from '../../shared/errors';

export interface BatchInput {
  /** As the list or directory gives it (a display name). */
  name: string;
  path: string;
  sha256: string;
  /** The signature file's name in the output directory. */
  out: string;
}

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

export const sha256Hex = (data: Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');

function readInput(path: string, name: string, from: string): Uint8Array {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw invalid(`${from} lists ${name}, which is not a regular file.`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof OlocusError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw invalid(
      code === 'ENOENT'
        ? `${from} lists ${name}, which does not exist.`
        : `${from} lists ${name}, which cannot be read (${code ?? String(e)}).`,
    );
  }
}

/** The entries of a file list: `path` or `<64 hex>  path` lines; # comments and blanks skipped. */
export function parseFileList(text: string): { name: string; pinned: string | null }[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(l);
      return m ? { name: m[2]!, pinned: m[1]!.toLowerCase() } : { name: l, pinned: null };
    });
}

/** Files each pinned to a digest (a ceremony script's list); relative paths from `base`. */
export function inputsFromPinned(
  files: readonly { path: string; sha256: string | null }[],
  base: string,
  from: string,
  pinnedIn: string,
): BatchInput[] {
  return finish(
    files.map(({ path: name, sha256: pinned }) => {
      const path = isAbsolute(name) ? name : join(base, name);
      const sha256 = sha256Hex(readInput(path, name, from));
      if (pinned && pinned !== sha256) {
        throw invalid(
          `${name} changed after its digest was pinned in ${pinnedIn} (pinned SHA-256 ${pinned}, the file's is ${sha256}); nothing was signed.`,
        );
      }
      return { name, path, sha256, out: `${basename(name)}.sig` };
    }),
    from,
  );
}

export function inputsFromList(listPath: string): BatchInput[] {
  let text: string;
  try {
    text = readFileSync(listPath, 'utf8');
  } catch (e) {
    throw invalid(
      `Cannot read the file list ${listPath}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
    );
  }
  const entries = parseFileList(text).map((e) => ({ path: e.name, sha256: e.pinned }));
  return inputsFromPinned(entries, dirname(listPath), `The file list ${listPath}`, listPath);
}

export function inputsFromDir(dir: string): BatchInput[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw invalid(
      `Cannot read the input directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
    );
  }
  return finish(
    names
      .filter((n) => statSync(join(dir, n)).isFile())
      .map((name) => {
        const path = join(dir, name);
        return {
          name,
          path,
          sha256: sha256Hex(readInput(path, name, `The directory ${dir}`)),
          out: `${name}.sig`,
        };
      }),
    `The directory ${dir}`,
  );
}

function finish(inputs: BatchInput[], from: string): BatchInput[] {
  if (inputs.length === 0) throw invalid(`${from} names no file to sign.`);
  const seen = new Map<string, string>();
  for (const i of inputs) {
    const other = seen.get(i.out);
    if (other !== undefined) {
      throw invalid(
        `${from} names ${other} and ${i.name}, which would both be signed to ${i.out}; rename one.`,
      );
    }
    seen.set(i.out, i.name);
  }
  return inputs;
}
