// The table of contents, drawn last onto the page reserved for it, with links to each section.
import type { Canvas } from './canvas';
import { FONT } from './canvas';

export function drawToc(c: Canvas, tocPage: number): void {
  const { doc } = c;
  doc.switchToPage(tocPage);
  // Sub-headings are listed while they fit on the one reserved page.
  const entries = c.toc.length <= 40 ? c.toc : c.toc.filter((t) => t.level === 1);
  doc.font(FONT.bold).fontSize(16).text(c.record('Contents'), c.left, doc.page.margins.top);
  doc.moveDown(0.8);
  for (const t of entries) {
    const indent = t.level === 1 ? 0 : 18;
    const y = doc.y;
    doc.font(t.level === 1 ? FONT.bold : FONT.body).fontSize(t.level === 1 ? 11 : 9.5);
    const title = c.record(t.title);
    const page = String(t.page + 1);
    doc.text(title, c.left + indent, y, {
      width: c.width - indent - 40,
      lineBreak: false,
      ellipsis: true,
    });
    doc.text(page, c.left + c.width - 40, y, { width: 40, align: 'right', lineBreak: false });
    doc.goTo(c.left, y, c.width, 12, t.dest);
    doc.y = y + (t.level === 1 ? 18 : 14);
  }
}
