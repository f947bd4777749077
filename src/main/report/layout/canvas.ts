// The report's page layout over pdfkit: sections that start on a new page and feed the table of
// contents and the PDF outline, headings, paragraphs, label/value blocks and tables that break
// across pages with their header repeated. Black on white, 9-10 pt, thin rules: it must read on
// a monochrome office printer, where auditors will file it.
import PDFDocument from 'pdfkit';
import { pdfSafe } from './text';

export const FONT = { body: 'Helvetica', bold: 'Helvetica-Bold', mono: 'Courier' } as const;
const GREY = '#555555';
const RULE = '#999999';

export interface Column {
  header: string;
  /** Share of the table width (the shares are normalised). */
  width: number;
  mono?: boolean;
}

export type KvRow = [string, string, { mono?: boolean }?];

export interface TocEntry {
  title: string;
  level: 1 | 2;
  page: number;
  dest: string;
}

export class Canvas {
  readonly doc: PDFKit.PDFDocument;
  readonly toc: TocEntry[] = [];
  /** Every string drawn, when asked for (the benchmark draws the same text with bare pdfkit). */
  readonly drawn: string[] | null;
  private dests = 0;
  private outlineTop: PDFKit.PDFOutline | null = null;

  constructor(options: { info: Record<string, string | Date>; collectText?: boolean }) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: 64, bottom: 64, left: 56, right: 56 },
      bufferPages: true,
      autoFirstPage: true,
      pdfVersion: '1.7',
      info: options.info as PDFKit.DocumentInfo,
      displayTitle: true,
      lang: 'en',
    });
    this.drawn = options.collectText ? [] : null;
    this.doc.font(FONT.body).fontSize(10).fillColor('black');
  }

  get left(): number {
    return this.doc.page.margins.left;
  }
  get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }
  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }
  get pageIndex(): number {
    return this.doc.bufferedPageRange().start + this.doc.bufferedPageRange().count - 1;
  }

  /** Text made printable, and remembered when collecting. Draw nothing unsafe around it. */
  record(text: string): string {
    const safe = pdfSafe(text);
    this.drawn?.push(safe);
    return safe;
  }

  /** Starts a page unless the next `height` points still fit on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  space(points = 6): void {
    this.doc.y += points;
  }

  private anchor(title: string, level: 1 | 2): void {
    const dest = `s${++this.dests}`;
    this.doc.addNamedDestination(dest, 'XYZ', null, this.doc.y, null);
    this.toc.push({ title, level, page: this.pageIndex, dest });
    if (level === 1) this.outlineTop = this.doc.outline.addItem(title);
    else (this.outlineTop ?? this.doc.outline).addItem(title);
  }

  /** A numbered top-level section on a new page. */
  section(title: string): void {
    this.doc.addPage();
    this.anchor(title, 1);
    this.doc.font(FONT.bold).fontSize(16).text(this.record(title), this.left, this.doc.y);
    this.doc
      .moveTo(this.left, this.doc.y + 2)
      .lineTo(this.left + this.width, this.doc.y + 2)
      .lineWidth(0.8)
      .strokeColor('black')
      .stroke();
    this.doc.font(FONT.body).fontSize(10);
    this.space(10);
  }

  heading(title: string, toc = true): void {
    this.ensure(60);
    this.space(6);
    if (toc) this.anchor(title, 2);
    this.doc.font(FONT.bold).fontSize(12).text(this.record(title), this.left, this.doc.y);
    this.doc.font(FONT.body).fontSize(10);
    this.space(4);
  }

  para(
    text: string,
    opts: { mono?: boolean; size?: number; grey?: boolean; bold?: boolean } = {},
  ): void {
    const font = opts.mono ? FONT.mono : opts.bold ? FONT.bold : FONT.body;
    this.doc
      .font(font)
      .fontSize(opts.size ?? 10)
      .fillColor(opts.grey ? GREY : 'black')
      .text(this.record(text), this.left, this.doc.y, { width: this.width });
    this.doc.font(FONT.body).fontSize(10).fillColor('black');
    this.space(4);
  }

  note(text: string): void {
    this.para(text, { size: 8.5, grey: true });
  }

  /** Label/value pairs in two columns; values wrap, monospace where asked. */
  kv(rows: KvRow[], labelWidth = 130): void {
    const valueWidth = this.width - labelWidth - 8;
    for (const [label, value, o] of rows) {
      const v = this.record(value);
      const l = this.record(label);
      this.doc.font(o?.mono ? FONT.mono : FONT.body).fontSize(o?.mono ? 9 : 10);
      const h = Math.max(this.doc.heightOfString(v, { width: valueWidth }), 12);
      this.ensure(h + 3);
      const y = this.doc.y;
      this.doc
        .font(FONT.bold)
        .fontSize(9)
        .fillColor(GREY)
        .text(l, this.left, y, { width: labelWidth });
      this.doc
        .font(o?.mono ? FONT.mono : FONT.body)
        .fontSize(o?.mono ? 9 : 10)
        .fillColor('black')
        .text(v, this.left + labelWidth + 8, y, { width: valueWidth });
      this.doc.y = y + h + 3;
    }
    this.doc.font(FONT.body).fontSize(10).fillColor('black');
    this.doc.x = this.left;
    this.space(4);
  }

  /** A table that breaks across pages, repeating its header. */
  table(columns: Column[], rows: string[][], opts: { size?: number } = {}): void {
    const size = opts.size ?? 8.5;
    const total = columns.reduce((s, c) => s + c.width, 0);
    const pad = 3;
    const widths = columns.map((c) => (c.width / total) * this.width);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((s, w) => s + w, 0));
    const drawRow = (cells: string[], header: boolean): void => {
      const texts = cells.map((c) => this.record(c));
      let h = 0;
      texts.forEach((t, i) => {
        this.doc.font(header ? FONT.bold : columns[i]?.mono ? FONT.mono : FONT.body).fontSize(size);
        h = Math.max(h, this.doc.heightOfString(t, { width: widths[i]! - 2 * pad }));
      });
      h += 2 * pad;
      if (this.doc.y + h > this.bottom) {
        this.doc.addPage();
        if (!header)
          drawRow(
            columns.map((c) => c.header),
            true,
          );
      }
      const y = this.doc.y;
      texts.forEach((t, i) => {
        this.doc
          .font(header ? FONT.bold : columns[i]?.mono ? FONT.mono : FONT.body)
          .fontSize(size)
          .text(t, xs[i]! + pad, y + pad, { width: widths[i]! - 2 * pad });
      });
      this.doc
        .moveTo(this.left, y + h)
        .lineTo(this.left + this.width, y + h)
        .lineWidth(header ? 0.8 : 0.3)
        .strokeColor(header ? 'black' : RULE)
        .stroke();
      this.doc.y = y + h;
    };
    this.ensure(40);
    drawRow(
      columns.map((c) => c.header),
      true,
    );
    for (const row of rows) drawRow(row, false);
    this.doc.font(FONT.body).fontSize(10).fillColor('black');
    this.doc.x = this.left;
    this.space(8);
  }

  /** Page furniture drawn last, once the page count is known. */
  finish(header: string, footer: (page: number, pages: number) => string): void {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const { margins } = this.doc.page;
      const saved = margins.bottom;
      margins.bottom = 0; // writing in the margin must not start a new page
      this.doc.font(FONT.body).fontSize(7.5).fillColor(GREY);
      if (i > range.start) {
        this.doc.text(this.record(header), margins.left, 30, {
          width: this.width,
          lineBreak: false,
        });
      }
      this.doc.text(
        this.record(footer(i + 1, range.count)),
        margins.left,
        this.doc.page.height - 40,
        { width: this.width, align: 'center', lineBreak: false },
      );
      margins.bottom = saved;
    }
    this.doc.fillColor('black');
  }
}
