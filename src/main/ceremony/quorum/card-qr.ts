// Draws a QR code as vector squares: crisp at any printer resolution, and byte-for-byte the same
// PDF on every run (a PNG would drag in an encoder's choices).
import { create } from 'qrcode';

/** Draws `payload` with its top-left corner at (x, y), `size` points wide including quiet zone. */
export function drawQr(
  doc: PDFKit.PDFDocument,
  payload: string,
  x: number,
  y: number,
  size: number,
): void {
  // Q (25% recovery): a card kept for years in an envelope gets creased and stained.
  const { modules } = create(payload, { errorCorrectionLevel: 'Q' });
  const quiet = 4;
  const unit = size / (modules.size + 2 * quiet);
  doc.save();
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      // Runs merged into one rectangle: no hairline seams between neighbouring modules.
      doc.rect(x + (quiet + start) * unit, y + (quiet + row) * unit, (col - start) * unit, unit);
    }
  }
  doc.fill('black');
  doc.restore();
}
