// A secret (PIN, share, passphrase, key bytes) as a value that owns its bytes: it zeroes them
// when disposed (`using`, or try/finally with dispose()), and it refuses to become text by
// accident: String(), template literals, JSON.stringify and util.inspect all show "[secret]".
// Reading it is explicit (use / copy / unsafeText), so every place that handles the plain bytes
// is one a reviewer can find by name.

const HIDDEN = '[secret]';
// Node's util.inspect hook, by its registered symbol name: shared/ must not import node:util.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
// Symbol.dispose exists from Node 20.4 (and in browsers that ship explicit resource management);
// the registered fallback keeps older runtimes working with explicit dispose().
const DISPOSE: symbol =
  (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

export class SecretDisposedError extends Error {
  constructor() {
    super('This secret was already disposed (its bytes are zeroed).');
    this.name = 'SecretDisposedError';
  }
}

export class Secret {
  #bytes: Uint8Array | null;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /**
   * Takes the bytes over: they are copied into memory the Secret alone owns (a Buffer may view
   * Node's shared pool) and the caller's array is zeroed, so one copy remains.
   */
  static adopt(bytes: Uint8Array): Secret {
    const own = new Uint8Array(bytes.length);
    own.set(bytes);
    bytes.fill(0);
    return new Secret(own);
  }

  /**
   * From text, at the boundary where it arrived as a string (an IPC payload, a prompt). The
   * string itself cannot be wiped; the point is that nothing after this holds another one.
   */
  static fromText(text: string): Secret {
    return new Secret(new TextEncoder().encode(text));
  }

  get length(): number {
    return this.#live().length;
  }

  get disposed(): boolean {
    return this.#bytes === null;
  }

  /** Lends the bytes to `fn`; they stay owned by the Secret (do not keep the view). */
  use<T>(fn: (bytes: Uint8Array) => T): T {
    return fn(this.#live());
  }

  /** A copy the caller owns and must zero (APIs that take their own buffer). */
  copy(): Uint8Array {
    return Uint8Array.from(this.#live());
  }

  /**
   * The secret as a JS string, for an API that accepts nothing else. The string cannot be wiped
   * and lives until collected: call it as late as possible and keep the result in no variable
   * that outlives the call.
   */
  unsafeText(): string {
    return new TextDecoder().decode(this.#live());
  }

  /** Zeroes the bytes; later reads throw. Safe to call twice. */
  dispose(): void {
    this.#bytes?.fill(0);
    this.#bytes = null;
  }

  [DISPOSE](): void {
    this.dispose();
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [Symbol.toPrimitive](): string {
    return HIDDEN;
  }

  [INSPECT](): string {
    return `Secret(${HIDDEN})`;
  }

  #live(): Uint8Array {
    if (!this.#bytes) throw new SecretDisposedError();
    return this.#bytes;
  }
}

/** Runs `fn` with the secret and disposes it afterwards, whatever happens. */
export async function withSecret<T>(secret: Secret, fn: (s: Secret) => Promise<T> | T): Promise<T> {
  try {
    return await fn(secret);
  } finally {
    secret.dispose();
  }
}
