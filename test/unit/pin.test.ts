import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NO_PIN_SOURCE, readPin } from '../../src/main/hsm/pin';
import type { PinTerminal } from '../../src/main/hsm/pin';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import type { Secret } from '../../src/shared/secret';

const dir = mkdtempSync(join(tmpdir(), 'olocus-pin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pinFile(name: string, content: string | Buffer, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

const text = (pin: Secret) => pin.unsafeText();

async function failure(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

/** A stand-in terminal: keystrokes in, prompt out, raw mode recorded. */
function fakeTty(isTTY = true) {
  const input = Object.assign(new PassThrough(), {
    isTTY,
    rawModes: [] as boolean[],
    setRawMode(raw: boolean) {
      this.rawModes.push(raw);
      return this;
    },
  });
  let shown = '';
  const output = new PassThrough();
  output.on('data', (c: Buffer) => (shown += c.toString()));
  const tty: PinTerminal = { input, output };
  return { tty, input, shown: () => shown };
}

describe('pin-source=file:', () => {
  it('reads the file and strips one trailing newline, LF or CRLF', async () => {
    expect(text(await readPin({ kind: 'file', path: pinFile('lf', '123456\n') }))).toBe('123456');
    expect(text(await readPin({ kind: 'file', path: pinFile('crlf', '123456\r\n') }))).toBe(
      '123456',
    );
    // Only one: a PIN may itself end in whitespace.
    expect(text(await readPin({ kind: 'file', path: pinFile('two', 'ab \n\n') }))).toBe('ab \n');
  });

  it('reads a file without a newline as it is', async () => {
    expect(text(await readPin({ kind: 'file', path: pinFile('bare', 'pässwörd') }))).toBe(
      'pässwörd',
    );
  });

  it('returns a standalone array, not a view into a shared buffer pool', async () => {
    const pin = await readPin({ kind: 'file', path: pinFile('own', '1234\n') });
    expect(pin.use((b) => [b.byteOffset, b.buffer.byteLength])).toEqual([0, 4]);
    expect(String(pin)).toBe('[secret]');
  });

  it('refuses an empty file, or one holding only the newline', async () => {
    for (const content of ['', '\n', '\r\n']) {
      const e = await failure(readPin({ kind: 'file', path: pinFile('empty', content) }));
      expect(e.code).toBe(ErrorCode.INVALID_INPUT);
      expect(e.message).toMatch(/PIN file .*empty/);
    }
  });

  it('names a missing file without guessing at its contents', async () => {
    const path = join(dir, 'missing.pin');
    const e = await failure(readPin({ kind: 'file', path }));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toBe(`The PIN file ${path} does not exist.`);
  });

  it('refuses a file far too large to be a PIN', async () => {
    const e = await failure(readPin({ kind: 'file', path: pinFile('big', 'x'.repeat(5000)) }));
    expect(e.message).toMatch(/too large/);
  });

  it('warns (to the caller, not a log) when others may read the file', async () => {
    const warnings: string[] = [];
    const path = pinFile('open', 'secret-pin\n', 0o644);
    const pin = await readPin(
      { kind: 'file', path },
      { onWarning: (w) => warnings.push(w), platform: 'linux' },
    );
    expect(text(pin)).toBe('secret-pin');
    expect(warnings).toEqual([
      `The PIN file ${path} can be read by other users (mode 0644); restrict it with chmod 600.`,
    ]);
    const quiet: string[] = [];
    await readPin(
      { kind: 'file', path: pinFile('closed', 'secret-pin', 0o600) },
      { onWarning: (w) => quiet.push(w), platform: 'linux' },
    );
    expect(quiet).toEqual([]);
  });
});

describe('pin-source=env:', () => {
  const NAME = 'OLOCUS_TEST_PIN_VARIABLE';
  afterEach(() => {
    delete process.env[NAME];
  });

  it('reads the variable', async () => {
    process.env[NAME] = '987654';
    const pin = await readPin({ kind: 'env', name: NAME });
    expect(text(pin)).toBe('987654');
    expect(pin.use((b) => b.buffer.byteLength)).toBe(6);
  });

  it('names an unset or empty variable, never a value', async () => {
    let e = await failure(readPin({ kind: 'env', name: NAME }));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toBe(`The PIN variable ${NAME} is not set.`);
    process.env[NAME] = '';
    e = await failure(readPin({ kind: 'env', name: NAME }));
    expect(e.message).toBe(`The PIN variable ${NAME} is empty.`);
  });
});

describe('no pin-source', () => {
  it('without a terminal, says how to give one', async () => {
    const { tty } = fakeTty(false);
    const e = await failure(readPin(undefined, { tty }));
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toBe(NO_PIN_SOURCE);
    expect(e.message).toContain('pin-source=file:PATH or pin-source=env:NAME');
  });

  it('on a terminal, prompts in raw mode and echoes nothing of the PIN', async () => {
    const { tty, input, shown } = fakeTty();
    const reading = readPin(undefined, { tty, prompt: 'PIN for token "root": ' });
    // Typed: 1 2 <backspace> 3 4 é, then Enter.
    input.write('12\x7f34é\r');
    expect(text(await reading)).toBe('134é');
    expect(shown()).toBe('PIN for token "root": \n');
    expect(input.rawModes).toEqual([true, false]);
  });

  it('on a terminal, Ctrl-C cancels and an empty entry is refused', async () => {
    let t = fakeTty();
    let reading = readPin(undefined, { tty: t.tty });
    t.input.write('12\x03');
    expect((await failure(reading)).code).toBe(ErrorCode.AUTHENTICATION_FAILED);
    t = fakeTty();
    reading = readPin(undefined, { tty: t.tty });
    t.input.write('\r');
    expect((await failure(reading)).message).toBe('No PIN was entered.');
  });
});
