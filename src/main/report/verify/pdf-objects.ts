// A small reader for the PDFs this product writes: classic cross-reference table, uncompressed
// object syntax, Flate streams (what pdfkit produces). It is enough to find the signature, the
// document information, the XMP packet, the attached files and the first page's text; it is not
// a general PDF parser, and anything it cannot read is reported, never guessed.
import { inflateSync } from 'node:zlib';

export class PdfName {
  constructor(readonly name: string) {}
}
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
export type PdfValue =
  number | boolean | null | PdfName | PdfRef | Uint8Array | PdfValue[] | Map<string, PdfValue>;

// Far more revisions than any signed report has; bounds a hostile chain of /Prev pointers.
const MAX_REVISIONS = 64;

const WS = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIM = new Set([...'()<>[]{}/%'].map((c) => c.charCodeAt(0)));

class Lexer {
  constructor(
    readonly b: Uint8Array,
    public i: number,
  ) {}

  skip(): void {
    for (;;) {
      while (this.i < this.b.length && WS.has(this.b[this.i]!)) this.i++;
      if (this.b[this.i] !== 0x25) return; // %
      while (this.i < this.b.length && this.b[this.i] !== 0x0a && this.b[this.i] !== 0x0d) this.i++;
    }
  }

  word(): string {
    this.skip();
    const s = this.i;
    while (this.i < this.b.length && !WS.has(this.b[this.i]!) && !DELIM.has(this.b[this.i]!))
      this.i++;
    return Buffer.from(this.b.subarray(s, this.i)).toString('latin1');
  }

  value(): PdfValue {
    this.skip();
    const c = this.b[this.i];
    if (c === undefined) throw new Error('unexpected end of PDF data');
    if (c === 0x3c && this.b[this.i + 1] === 0x3c) return this.dict();
    if (c === 0x3c) return this.hex();
    if (c === 0x5b) {
      this.i++;
      const out: PdfValue[] = [];
      for (;;) {
        this.skip();
        if (this.b[this.i] === 0x5d) {
          this.i++;
          return out;
        }
        out.push(this.value());
      }
    }
    if (c === 0x28) return this.literal();
    if (c === 0x2f) {
      this.i++;
      return new PdfName(
        this.word().replace(/#([0-9a-fA-F]{2})/g, (_, h: string) =>
          String.fromCharCode(parseInt(h, 16)),
        ),
      );
    }
    const w = this.word();
    if (w === 'true') return true;
    if (w === 'false') return false;
    if (w === 'null') return null;
    const n = Number(w);
    if (w === '' || Number.isNaN(n)) throw new Error(`unexpected token "${w}" at byte ${this.i}`);
    // "num gen R" is a reference: look ahead without consuming unless it matches.
    const save = this.i;
    const gen = this.word();
    const r = this.word();
    if (/^\d+$/.test(w) && /^\d+$/.test(gen) && r === 'R') return new PdfRef(n, Number(gen));
    this.i = save;
    return n;
  }

  dict(): Map<string, PdfValue> {
    this.i += 2;
    const out = new Map<string, PdfValue>();
    for (;;) {
      this.skip();
      if (this.b[this.i] === 0x3e && this.b[this.i + 1] === 0x3e) {
        this.i += 2;
        return out;
      }
      const key = this.value();
      if (!(key instanceof PdfName)) throw new Error('dictionary key is not a name');
      out.set(key.name, this.value());
    }
  }

  hex(): Uint8Array {
    const end = this.b.indexOf(0x3e, this.i);
    const text = Buffer.from(this.b.subarray(this.i + 1, end))
      .toString('latin1')
      .replace(/\s+/g, '');
    this.i = end + 1;
    return new Uint8Array(Buffer.from(text.length % 2 ? `${text}0` : text, 'hex'));
  }

  literal(): Uint8Array {
    const out: number[] = [];
    let depth = 0;
    this.i++;
    const ESC: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
    for (;;) {
      const c = this.b[this.i++];
      if (c === undefined) throw new Error('unterminated string');
      if (c === 0x5c) {
        const d = this.b[this.i++]!;
        if (ESC[d] !== undefined) out.push(ESC[d]);
        else if (d >= 0x30 && d <= 0x37) {
          let oct = String.fromCharCode(d);
          while (oct.length < 3 && this.b[this.i]! >= 0x30 && this.b[this.i]! <= 0x37)
            oct += String.fromCharCode(this.b[this.i++]!);
          out.push(parseInt(oct, 8) & 0xff);
        } else if (d !== 0x0a && d !== 0x0d) out.push(d);
        continue;
      }
      if (c === 0x28) depth++;
      if (c === 0x29 && depth-- === 0) return new Uint8Array(out);
      out.push(c);
    }
  }
}

/** PDF text string: UTF-16BE with BOM, else PDFDocEncoding (read as Latin-1). */
export function pdfText(v: PdfValue | undefined): string | null {
  if (!(v instanceof Uint8Array)) return null;
  if (v[0] === 0xfe && v[1] === 0xff)
    return Buffer.from(v.subarray(2)).swap16().toString('utf16le');
  return Buffer.from(v).toString('latin1');
}

export class PdfFile {
  private readonly offsets = new Map<number, number>();
  readonly trailer: Map<string, PdfValue>;

  /** Cross-reference sections read, newest first: more than one means incremental updates. */
  readonly revisions: number;

  constructor(readonly bytes: Uint8Array) {
    const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 1024))).toString('latin1');
    const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
    if (!m) throw new Error('no startxref at the end of the file');
    // An incremental update appends a section whose trailer /Prev points at the one before; the
    // newest entry for an object wins. Each offset is read once, so a /Prev loop ends.
    let at: number | null = Number(m[1]);
    let newest: Map<string, PdfValue> | null = null;
    const seen = new Set<number>();
    while (at !== null) {
      if (seen.has(at) || seen.size >= MAX_REVISIONS || at >= bytes.length)
        throw new Error('the cross-reference sections loop or point outside the file');
      seen.add(at);
      const lx: Lexer = new Lexer(bytes, at);
      if (lx.word() !== 'xref')
        throw new Error('startxref does not point at a cross-reference table');
      for (;;) {
        const w = lx.word();
        if (w === 'trailer') break;
        const count = Number(lx.word());
        if (!Number.isInteger(Number(w)) || !Number.isInteger(count) || count < 0 || w === '')
          throw new Error('malformed cross-reference table');
        for (let k = 0; k < count; k++) {
          const off = Number(lx.word());
          lx.word(); // generation
          const used = lx.word();
          const num = Number(w) + k;
          if (used === 'n' && !this.offsets.has(num)) this.offsets.set(num, off);
        }
      }
      const t: PdfValue = lx.value();
      if (!(t instanceof Map)) throw new Error('malformed trailer');
      newest ??= t;
      const prev: PdfValue | undefined = t.get('Prev');
      at = typeof prev === 'number' ? prev : null;
    }
    this.trailer = newest!;
    this.revisions = seen.size;
  }

  resolve(v: PdfValue | undefined): PdfValue | undefined {
    return v instanceof PdfRef ? this.object(v.num).value : v;
  }

  dict(v: PdfValue | undefined): Map<string, PdfValue> | null {
    const r = this.resolve(v);
    return r instanceof Map ? r : null;
  }

  object(num: number): { value: PdfValue; stream: Uint8Array | null } {
    const off = this.offsets.get(num);
    if (off === undefined) throw new Error(`object ${num} is not in the cross-reference table`);
    const lx = new Lexer(this.bytes, off);
    if (Number(lx.word()) !== num) throw new Error(`object ${num} is not where the table says`);
    lx.word();
    if (lx.word() !== 'obj') throw new Error(`object ${num} has no "obj" keyword`);
    const value = lx.value();
    const save = lx.i;
    if (!(value instanceof Map) || lx.word() !== 'stream') {
      lx.i = save;
      return { value, stream: null };
    }
    let start = lx.i;
    if (this.bytes[start] === 0x0d) start++;
    if (this.bytes[start] === 0x0a) start++;
    const len = this.resolve(value.get('Length'));
    if (typeof len !== 'number') throw new Error(`stream ${num} has no usable /Length`);
    const raw = this.bytes.subarray(start, start + len);
    const filter = value.get('Filter');
    if (filter === undefined) return { value, stream: raw };
    if (filter instanceof PdfName && filter.name === 'FlateDecode')
      return { value, stream: new Uint8Array(inflateSync(raw)) };
    throw new Error(`stream ${num} uses an unsupported filter`);
  }

  streamOf(v: PdfValue | undefined): Uint8Array | null {
    return v instanceof PdfRef ? this.object(v.num).stream : null;
  }

  get catalog(): Map<string, PdfValue> {
    const root = this.dict(this.trailer.get('Root'));
    if (!root) throw new Error('no document catalog');
    return root;
  }

  get info(): Map<string, PdfValue> | null {
    return this.dict(this.trailer.get('Info'));
  }

  /** Attached files by name, from the catalog's EmbeddedFiles name tree (flat or one level). */
  attachments(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const tree = this.dict(this.dict(this.catalog.get('Names'))?.get('EmbeddedFiles'));
    const visit = (node: Map<string, PdfValue> | null): void => {
      if (!node) return;
      const names = this.resolve(node.get('Names'));
      if (Array.isArray(names)) {
        for (let i = 0; i + 1 < names.length; i += 2) {
          const name = pdfText(this.resolve(names[i]));
          const spec = this.dict(names[i + 1]);
          const data = this.streamOf(this.dict(spec?.get('EF'))?.get('F'));
          if (name !== null && data) out.set(name, data);
        }
      }
      const kids = this.resolve(node.get('Kids'));
      if (Array.isArray(kids)) for (const k of kids) visit(this.dict(k));
    };
    visit(tree);
    return out;
  }

  /** The decoded content stream(s) of page `index` (0-based). */
  pageContent(index: number): Uint8Array {
    const pages: Map<string, PdfValue>[] = [];
    const walk = (node: Map<string, PdfValue> | null): void => {
      if (!node) return;
      const kids = this.resolve(node.get('Kids'));
      if (Array.isArray(kids)) for (const k of kids) walk(this.dict(k));
      else pages.push(node);
    };
    walk(this.dict(this.catalog.get('Pages')));
    const page = pages[index];
    if (!page) throw new Error(`the document has no page ${index + 1}`);
    const contents = page.get('Contents');
    const refs = Array.isArray(contents) ? contents : [contents];
    return new Uint8Array(Buffer.concat(refs.map((r) => this.streamOf(r) ?? new Uint8Array())));
  }
}

/**
 * The text shown by Tj/TJ operators, in order, for the standard-font (single-byte) text pdfkit
 * writes. Kerning numbers inside TJ arrays are dropped; each operator's text is one item.
 */
export function shownText(content: Uint8Array): string[] {
  const s = Buffer.from(content).toString('latin1');
  const out: string[] = [];
  const strings = /<([0-9a-fA-F\s]*)>|\(((?:\\.|[^\\)])*)\)/g;
  for (const m of s.matchAll(
    /\[((?:[^\]\\]|\\.)*)\]\s*TJ|(<[0-9a-fA-F\s]*>|\((?:\\.|[^\\)])*\))\s*Tj/g,
  )) {
    const body = m[1] ?? m[2] ?? '';
    let text = '';
    for (const p of body.matchAll(strings)) {
      text +=
        p[1] !== undefined
          ? Buffer.from(p[1].replace(/\s+/g, ''), 'hex').toString('latin1')
          : p[2]!.replace(/\\(.)/g, '$1');
    }
    out.push(text);
  }
  return out;
}
