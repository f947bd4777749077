// Reads a share card's QR code from a photo or scan, in the window, with jsQR. The decoded
// payload goes straight to presentShare; the pixels are dropped as soon as they are read.

/** A 48-megapixel phone photo fits; a larger image would cost the window gigabytes to read. */
const MAX_PIXELS = 50_000_000;
/** As main's share reader: no card holds more text (a QR code itself holds at most ~4,300). */
const MAX_PAYLOAD = 16 * 1024;

export async function readQrFromImage(file: Blob): Promise<string> {
  // Loaded on first use: most ceremonies type their shares, so the decoder stays out of startup.
  const { default: jsQR } = await import('jsqr');
  const bitmap = await createImageBitmap(file);
  try {
    if (bitmap.width * bitmap.height > MAX_PIXELS) {
      throw new Error(
        `That image is ${bitmap.width}×${bitmap.height} pixels, larger than a photo of a card needs; photograph the card again or type the share.`,
      );
    }
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('This window cannot read images.');
    ctx.drawImage(bitmap, 0, 0);
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const code = jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
    image.data.fill(0); // deliberate: the photo's pixels (a renderer has no Secret path yet)
    canvas.width = 0;
    if (!code) {
      throw new Error(
        'No QR code was found in that image. Photograph the card flat and well lit, or type the share.',
      );
    }
    if (code.data.length > MAX_PAYLOAD) {
      throw new Error('That QR code holds far more text than a share card: it is not a share.');
    }
    return code.data;
  } finally {
    bitmap.close();
  }
}
