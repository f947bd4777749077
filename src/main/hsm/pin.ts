// Reading a PIN from where the URI's pin-source says, or from the officer at a terminal.
// PINs travel as a Secret (shared/secret.ts): bytes the caller disposes, never a string, and no
// message here ever contains one.
import { readFile, stat } from 'node:fs/promises';
import { emitKeypressEvents } from 'node:readline';
import type { Key } from 'node:readline';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { Secret } from '../../shared/secret';
import type { PinSource } from './uri';

/** The terminal to prompt on; stdin and stderr by default, so stdout stays clean for --json. */
export interface PinTerminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: NodeJS.WritableStream;
}

export interface ReadPinOptions {
  /** Shown before interactive entry, e.g. 'PIN for token "root": '. */
  prompt?: string;
  tty?: PinTerminal;
  /** Receives advice that does not stop the ceremony (a PIN file others can read). */
  onWarning?: (message: string) => void;
  /** Default process.platform; tests set it to check the POSIX permission warning anywhere. */
  platform?: NodeJS.Platform;
}

export const NO_PIN_SOURCE =
  'No PIN source: add pin-source=file:PATH or pin-source=env:NAME to the URI (PINs are never taken on the command line).';

// A PIN is at most a few hundred bytes on every module we know; a larger file is the wrong file
// (a key, a log), and its contents must not be sent to the HSM as a PIN.
const MAX_PIN_FILE_BYTES = 4096;

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** Reads the PIN; the caller disposes the Secret after use (try/finally or `using`). */
export async function readPin(
  source: PinSource | undefined,
  opts: ReadPinOptions = {},
): Promise<Secret> {
  if (source?.kind === 'file') return Secret.adopt(await readPinFile(source.path, opts));
  if (source?.kind === 'env') return Secret.adopt(readPinEnv(source.name));
  const tty = opts.tty ?? { input: process.stdin, output: process.stderr };
  if (!tty.input.isTTY || typeof tty.input.setRawMode !== 'function') throw invalid(NO_PIN_SOURCE);
  return Secret.adopt(await promptPin(tty, opts.prompt ?? 'PIN: '));
}

async function readPinFile(path: string, opts: ReadPinOptions): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw fileError(path, e);
  }
  if (!info.isFile()) throw invalid(`The PIN file ${path} is not a regular file.`);
  if (info.size > MAX_PIN_FILE_BYTES) {
    throw invalid(`The PIN file ${path} is ${info.size} bytes, too large to hold a PIN.`);
  }
  const platform = opts.platform ?? process.platform;
  if (platform !== 'win32' && (info.mode & 0o044) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    opts.onWarning?.(
      `The PIN file ${path} can be read by other users (mode ${mode}); restrict it with chmod 600.`,
    );
  }
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    let end = raw.length;
    if (end > 0 && raw[end - 1] === 0x0a) end -= end > 1 && raw[end - 2] === 0x0d ? 2 : 1;
    if (end === 0) throw invalid(`The PIN file ${path} is empty.`);
    return copyOut(raw, end);
  } finally {
    raw.fill(0); // deliberate: the file's raw bytes; copyOut made the PIN's own buffer
  }
}

/** A fresh Uint8Array with its own ArrayBuffer: a Buffer may view Node's shared pool. */
function copyOut(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, length));
  return out;
}

function fileError(path: string, e: unknown): OlocusError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'cannot be read (permission denied)'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? 'unknown error'})`;
  return new OlocusError(ErrorCode.INVALID_INPUT, `The PIN file ${path} ${reason}.`, { cause: e });
}

function readPinEnv(name: string): Uint8Array {
  const value = process.env[name];
  if (value === undefined) throw invalid(`The PIN variable ${name} is not set.`);
  if (value === '') throw invalid(`The PIN variable ${name} is empty.`);
  // TextEncoder returns a standalone array; Buffer.from(string) may land in the shared pool.
  return new TextEncoder().encode(value);
}

/**
 * Reads a line with the terminal in raw mode, so nothing is echoed, not even '*': the length of
 * a PIN is itself worth keeping from onlookers.
 */
function promptPin(tty: PinTerminal, prompt: string): Promise<Uint8Array> {
  const { input, output } = tty;
  output.write(prompt);
  emitKeypressEvents(input);
  input.setRawMode?.(true);
  input.resume();
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  return new Promise((resolve, reject) => {
    const finish = (error: OlocusError | null) => {
      input.removeListener('keypress', onKey);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      const pin = error ? null : Uint8Array.from(bytes);
      bytes.fill(0); // deliberate: the keypress scratch array (numbers, not a Uint8Array)
      bytes.length = 0;
      if (error) reject(error);
      else if (pin && pin.length === 0) reject(invalid('No PIN was entered.'));
      else resolve(pin!);
    };
    const onKey = (str: string | undefined, key: Key | undefined) => {
      const name = key?.name;
      if (key?.ctrl && (name === 'c' || (name === 'd' && bytes.length === 0))) {
        finish(new OlocusError(ErrorCode.AUTHENTICATION_FAILED, 'PIN entry was cancelled.'));
      } else if (name === 'return' || name === 'enter') {
        finish(null);
      } else if (name === 'backspace') {
        // Drop the last whole UTF-8 character: continuation bytes are 10xxxxxx.
        let dropped = bytes.pop();
        while (dropped !== undefined && (dropped & 0xc0) === 0x80) dropped = bytes.pop();
      } else if (str && !key?.ctrl && !key?.meta && !(key?.sequence ?? str).startsWith('\x1b')) {
        bytes.push(...encoder.encode(str));
      }
    };
    input.on('keypress', onKey);
  });
}
