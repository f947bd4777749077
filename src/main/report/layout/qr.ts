// A QR code drawn as vector squares: sharp at any print resolution and cheaper than a PNG.
import QRCode from 'qrcode';

export function drawQr(
  doc: PDFKit.PDFDocument,
  text: string,
  x: number,
  y: number,
  size: number,
): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 2; // modules of white border inside `size`
  const cell = size / (n + 2 * quiet);
  doc.save();
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.modules.get(r, c))
        doc.rect(x + (c + quiet) * cell, y + (r + quiet) * cell, cell, cell);
    }
  }
  doc.fillColor('black').fill();
  doc.rect(x, y, size, size).lineWidth(0.5).strokeColor('#999999').stroke();
  doc.restore();
}
