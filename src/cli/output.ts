// Where the CLI writes: results on stdout (exactly one JSON document under --json), everything
// else on stderr.

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export class Output {
  private wrote = false;
  /** HSM operations tried again (connection.retry_attempts); added to the --json result. */
  readonly retries: unknown[] = [];

  constructor(
    private readonly io: CliIO,
    readonly json: boolean,
  ) {}

  /** The command's result: `data` as JSON under --json, else the human text. */
  result(data: unknown, human: () => string): void {
    if (this.wrote) throw new Error('a command produced two results');
    this.wrote = true;
    const withRetries =
      this.retries.length > 0 && typeof data === 'object' && data !== null && !Array.isArray(data)
        ? { ...data, retries: this.retries }
        : data;
    const text = this.json ? JSON.stringify(withRetries, null, 2) : human();
    this.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * Under --json, a result the command has already written as one JSON document, for a result
   * too large to build as objects first (audit query). Only for standalone commands: they touch
   * no HSM, so there are no retries to add.
   */
  resultJson(text: string): void {
    if (this.wrote) throw new Error('a command produced two results');
    if (!this.json || this.retries.length > 0) throw new Error('not a pre-written JSON result');
    this.wrote = true;
    this.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }

  get hasResult(): boolean {
    return this.wrote;
  }

  /** Notes for a person (never part of the result), on stderr. */
  note(text: string): void {
    this.io.stderr(`${text}\n`);
  }

  warn(text: string): void {
    this.io.stderr(`warning: ${text}\n`);
  }
}

/** Columns aligned on the widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `head…` for long hex in tables; JSON always carries the full value. */
export function shorten(hex: string, keep = 16): string {
  return hex.length > keep ? `${hex.slice(0, keep)}…` : hex;
}

/** `name  value` lines with the values aligned. */
export function fields(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
