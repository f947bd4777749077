// One printed share card per custodian: who holds it, what it unlocks, the share as QR code and
// as typed text with per-line checks, and the ledger fingerprint to compare before a ceremony.
// Laid out inside the area A4 and US Letter have in common, with 0.75 in margins, so it prints
// uncropped on either. The PDF is deterministic (dates come from the ceremony), so tests and
// auditors can compare cards byte for byte.
import PDFDocument from 'pdfkit';
import { Secret } from '../../../shared/secret';
import { drawQr } from './card-qr';
import { formatFingerprint, shareCommitment } from './commitments';
import { GROUPS_WIDTH, shareTextLines, toQrPayload } from './encoding';
import type { ShareTextLine } from './encoding';
import { invalidInput } from './errors';
import type { ShareEnvelope } from './types';

export interface ShareCardOptions {
  ceremonyName: string;
  location?: string;
  /** The ceremony date; also the PDF's creation date, which keeps the output deterministic. */
  date: Date;
  /** protectShare(envelope.share, …): printed instead of the plain share (stays the caller's). */
  protectedShare?: Uint8Array | Secret;
  /** Needed only when `envelope` is itself protected (its commitment covers the plain share). */
  commitment?: string;
  paper?: 'A4' | 'LETTER';
}

const MARGIN = 54; // 0.75 in
const WIDTH = 595.28 - 2 * MARGIN; // A4 is the narrower page
const BOTTOM = 792 - MARGIN; // Letter is the shorter page
const QR_SIZE = 190;
const LINE_GAP = 14.5;

/** The QR payload and text lines of what the card prints: the share, or its sealed form. */
function printedForms(
  envelope: ShareEnvelope,
  sealed: Uint8Array | Secret | undefined,
): { qr: string; lines: ShareTextLine[] } {
  if (sealed === undefined) return { qr: toQrPayload(envelope), lines: shareTextLines(envelope) };
  const share = sealed instanceof Secret ? sealed : Secret.adopt(Uint8Array.from(sealed));
  const printed: ShareEnvelope = { ...envelope, share, protected: true };
  try {
    return { qr: toQrPayload(printed), lines: shareTextLines(printed) };
  } finally {
    if (share !== sealed) share.dispose(); // our copy; the caller's stays theirs
  }
}

// What the standard 14 PDF fonts (WinAnsiEncoding) can print.
const WIN_ANSI = /^[\x20-\x7e\xa0-\xff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]*$/u;

function printable(what: string, value: string): string {
  if (!WIN_ANSI.test(value)) {
    throw invalidInput(
      `The ${what} "${value}" has characters the card's built-in PDF fonts cannot print (Latin script only, for now).`,
    );
  }
  return value;
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function instructions(isProtected: boolean): string[] {
  return [
    'Seal this card in a tamper-evident envelope, sign across the seal, and store it where only you can reach it.',
    'Never photograph, scan, copy or type this card, and never read it aloud, except at a ceremony.',
    'Present it only at a ceremony, in person, when the ceremony administrator asks for it, in front of the witnesses.',
    'Before presenting it, compare the fingerprint above with the ledger entry for your share.',
    'If the card is lost, damaged, or may have been seen by anyone else, tell the ceremony administrator at once: the secret must be split again.',
    ...(isProtected
      ? ['Keep your passphrase apart from this card. Never write it on the card or the envelope.']
      : []),
  ];
}

export async function renderShareCard(
  envelope: ShareEnvelope,
  options: ShareCardOptions,
): Promise<Buffer> {
  const { ceremonyName, location, date, protectedShare } = options;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw invalidInput('The share card needs a valid ceremony date.');
  }
  const who = printable('custodian name', envelope.custodian);
  printable('ceremony name', ceremonyName);
  printable('ceremony id', envelope.ceremonyId);
  printable('secret id', envelope.secretId);
  if (location !== undefined) printable('location', location);
  if (envelope.protected && !options.commitment) {
    throw invalidInput(
      `${who}'s share is protected: pass its commitment from the split to print the card.`,
      who,
    );
  }
  const commitment = options.commitment ?? shareCommitment(envelope);
  const printed = printedForms(envelope, protectedShare);
  const isProtected = protectedShare !== undefined || envelope.protected === true;

  const doc = new PDFDocument({
    size: options.paper ?? 'A4',
    margin: MARGIN,
    info: {
      Title: `Share card: ${who}, ${envelope.secretId}, ${envelope.ceremonyId}`,
      Subject: 'Olocus Ceremony share card',
      Creator: 'Olocus Ceremony',
      Producer: 'Olocus Ceremony',
      CreationDate: date,
      ModDate: date,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  const x = MARGIN;
  const put = (
    text: string,
    font: string,
    size: number,
    gap = 4,
    opts: PDFKit.Mixins.TextOptions = {},
  ) => {
    doc
      .font(font)
      .fontSize(size)
      .text(text, x, doc.y, { width: WIDTH, ...opts });
    doc.moveDown(gap / size);
  };

  doc.y = MARGIN;
  put('Olocus key ceremony — share card', 'Helvetica-Bold', 18, 6);
  put(ceremonyName, 'Helvetica', 12, 2);
  put(
    `Ceremony ${envelope.ceremonyId}  ·  ${isoDate(date)}${location ? `  ·  ${location}` : ''}`,
    'Helvetica',
    10,
    10,
  );
  put('Custodian', 'Helvetica', 9, 0);
  put(who, 'Helvetica-Bold', 20, 4);
  put(
    `Share ${envelope.index} of ${envelope.total} — any ${envelope.threshold} reconstruct`,
    'Helvetica-Bold',
    14,
    2,
  );
  put(`Secret: ${envelope.secretId}`, 'Helvetica', 10, 4);
  if (isProtected) {
    put(
      'This share is locked with your passphrase. You will need the passphrase to use it; it is not on this card.',
      'Helvetica-Oblique',
      10,
      4,
    );
  }

  // QR code on the left, the same share as text on the right.
  const top = doc.y + 6;
  drawQr(doc, printed.qr, x - 8, top, QR_SIZE);
  const textX = x + QR_SIZE + 8;
  doc.font('Helvetica').fontSize(8.5);
  doc.text(
    'Type each line exactly; the last two characters of a line are its check.',
    textX,
    top + 8,
    {
      width: WIDTH - QR_SIZE - 8,
    },
  );
  let y = doc.y + 6;
  for (const line of printed.lines) {
    if (y + LINE_GAP > BOTTOM) {
      doc.addPage();
      y = MARGIN;
    }
    const number = String(line.number).padStart(2, ' ');
    doc.font('Courier').fontSize(10.5);
    const groups = line.groups.padEnd(GROUPS_WIDTH);
    doc.text(`${number}  ${groups}  `, textX, y, { continued: true, lineBreak: false });
    doc.font('Courier-Bold').text(line.check, { lineBreak: false });
    y += LINE_GAP;
  }
  doc.y = Math.max(y, top + QR_SIZE) + 10;

  put('Commitment fingerprint (compare with the ceremony ledger):', 'Helvetica-Bold', 10, 2);
  put(formatFingerprint(commitment), 'Courier', 10, 10);
  put('Handling', 'Helvetica-Bold', 11, 2);
  for (const rule of instructions(isProtected)) {
    if (doc.y + 30 > BOTTOM) doc.addPage();
    // A hanging bullet: wrapped lines align with the text, not the bullet.
    doc.font('Helvetica').fontSize(9.5).text('•', x, doc.y, { lineBreak: false });
    doc.text(rule, x + 12, doc.y, { width: WIDTH - 12 });
    doc.moveDown(0.3);
  }
  doc.end();
  await done;
  try {
    return Buffer.concat(chunks);
  } finally {
    // The chunks hold the share (in compressed content streams); only the result survives.
    for (const c of chunks) c.fill(0); // deliberate: pdfkit's output chunks, not Secrets
  }
}
