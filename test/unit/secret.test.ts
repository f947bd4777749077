// The Secret type: it shows nothing of itself however it is turned into text, it owns its
// bytes (the caller's are zeroed), and once disposed its bytes are zero and it cannot be read.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret, SecretDisposedError, withSecret } from '../../src/shared/secret';

const PIN = '271828-SECRET-PIN';

describe('Secret', () => {
  it('JSON.stringify, util.inspect, template literals and String() show nothing', () => {
    const s = Secret.fromText(PIN);
    const shown = [
      JSON.stringify(s),
      JSON.stringify({ pin: s, nested: [s] }),
      inspect(s),
      inspect({ pin: s }, { depth: 5, showHidden: true }),
      inspect(s, { customInspect: false, showHidden: true }),
      `${s}`,
      String(s),
      s + '',
      s.toString(),
      Object.keys(s).join(','),
    ];
    for (const text of shown) expect(text).not.toContain('271828');
    expect(JSON.stringify({ pin: s })).toBe('{"pin":"[secret]"}');
    expect(`${s}`).toBe('[secret]');
    expect(inspect(s)).toBe('Secret([secret])');
    expect(s.unsafeText()).toBe(PIN);
  });

  it("adopts bytes: its own copy, the caller's zeroed; dispose zeroes it and later reads throw", () => {
    const given = Buffer.from(PIN); // may sit in Node's shared pool
    const s = Secret.adopt(given);
    expect(given.every((b) => b === 0)).toBe(true);
    let view: Uint8Array | undefined;
    s.use((b) => {
      view = b;
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(PIN.length);
    });
    const copy = s.copy();
    s.dispose();
    expect(view!.every((b) => b === 0)).toBe(true);
    expect(Buffer.from(copy).toString()).toBe(PIN); // the copy is the caller's to zero
    expect(s.disposed).toBe(true);
    expect(() => s.use(() => 0)).toThrow(SecretDisposedError);
    expect(() => s.unsafeText()).toThrow(SecretDisposedError);
    s.dispose(); // twice is harmless
  });

  it('is disposed by withSecret and by Symbol.dispose (what `using` calls), even on a throw', async () => {
    const a = Secret.fromText(PIN);
    await expect(
      withSecret(a, () => {
        throw new Error('step failed');
      }),
    ).rejects.toThrow('step failed');
    expect(a.disposed).toBe(true);
    const b = Secret.fromText(PIN);
    const dispose =
      (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');
    (b as unknown as Record<symbol, () => void>)[dispose]!();
    expect(b.disposed).toBe(true);
  });

  it('does not survive structured cloning (a worker or IPC copy carries nothing)', () => {
    const s = Secret.fromText(PIN);
    expect(JSON.stringify(structuredClone(s))).not.toContain('271828');
    expect(inspect(structuredClone(s))).not.toContain('271828');
  });
});
