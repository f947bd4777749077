// Reads a share card's QR code from a photo or scan, in the window, with jsQR. The decoded
// payload goes straight to presentShare; the pixels are dropped as soon as they are read.

export async function readQrFromImage(file: Blob): Promise<string> {
  // Loaded on first use: most ceremonies type their shares, so the decoder stays out of startup.
  const { default: jsQR } = await import('jsqr');
  const bitmap = await createImageBitmap(file);
  try {
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('This window cannot read images.');
    ctx.drawImage(bitmap, 0, 0);
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const code = jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
    image.data.fill(0);
    canvas.width = 0;
    if (!code) {
      throw new Error(
        'No QR code was found in that image. Photograph the card flat and well lit, or type the share.',
      );
    }
    return code.data;
  } finally {
    bitmap.close();
  }
}
