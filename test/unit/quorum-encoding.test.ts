import { describe, expect, it } from 'vitest';
import {
  QR_PREFIX,
  decodeEnvelope,
  encodeEnvelope,
  fromQrPayload,
  parseShareText,
  shareTextLines,
  toQrPayload,
  toShareText,
} from '../../src/main/ceremony/quorum/index';
import type { ShareEnvelope } from '../../src/main/ceremony/quorum/index';
import { base32Decode, base32Encode } from '../../src/main/ceremony/quorum/base32';
import { split3of5, thrown } from '../fixtures/quorum/split';

async function bob(): Promise<ShareEnvelope> {
  const { shares } = await split3of5();
  const share = shares[1];
  if (!share) throw new Error('no share');
  return share;
}

/** Replaces one data character of a line (1-based) with a different base32 character. */
function mistype(text: string, line: number, column: number): string {
  const lines = text.split('\n');
  const l = lines[line - 1] ?? '';
  const c = l[column] ?? 'A';
  lines[line - 1] = l.slice(0, column) + (c === 'A' ? 'B' : 'A') + l.slice(column + 1);
  return lines.join('\n');
}

describe('base32 (RFC 4648, no padding)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%j ↔ %s (RFC 4648 §10)', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(Buffer.from(base32Decode(encoded) ?? []).toString()).toBe(plain);
  });

  it('rejects impossible lengths and non-canonical trailing bits', () => {
    expect(base32Decode('MZXW6YTBO')).toBeUndefined();
    expect(base32Decode('MZ')).toBeUndefined(); // "MY" is canonical for "f"
  });
});

describe('binary envelope (OLS1)', () => {
  it('round-trips, starts with the magic, and carries the protected flag', async () => {
    const e = await bob();
    const bytes = encodeEnvelope(e);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('OLS1');
    expect(decodeEnvelope(bytes, 'The test bytes')).toEqual(e);
    const sealed = { ...e, protected: true };
    expect(decodeEnvelope(encodeEnvelope(sealed), 'x').protected).toBe(true);
  });

  it('a flipped bit fails the checksum; other magic is not ours', async () => {
    const bytes = encodeEnvelope(await bob());
    const flipped = Uint8Array.from(bytes);
    flipped[20] = (flipped[20] ?? 0) ^ 4;
    expect(thrown(() => decodeEnvelope(flipped, 'The QR code')).message).toContain(
      'The QR code is damaged: its checksum does not match',
    );
    const other = Uint8Array.from(bytes);
    other[3] = 0x32; // "OLS2"
    expect(thrown(() => decodeEnvelope(other, 'The QR code')).message).toContain(
      'is not an Olocus share',
    );
  });
});

describe('share text', () => {
  it('is grouped base32 lines of 5×4 characters with a 2-character check', async () => {
    const text = toShareText(await bob());
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){4} {2}[A-Z2-7]{2}$/);
    }
    expect(lines.at(-1)).toMatch(/^[A-Z2-7]{1,4}(-[A-Z2-7]{1,4})* +[A-Z2-7]{2}$/);
    expect(shareTextLines(await bob()).map((l) => l.number)).toEqual(lines.map((_, i) => i + 1));
  });

  it('round-trips exactly', async () => {
    const e = await bob();
    expect(parseShareText(toShareText(e))).toEqual(e);
  });

  it('tolerates case, spacing, one long line and confusable digits', async () => {
    const e = await bob();
    const text = toShareText(e);
    const variants = [
      text.toLowerCase(),
      text.replace(/\n/g, ' '),
      text.replace(/[-\s]/g, ''),
      `\n\n  ${text.replace(/-/g, ' ').replace(/\n/g, '\r\n\r\n')}  \n`,
      text.replace(/O/g, '0').replace(/I/g, '1').replace(/B/g, '8'),
      // wrapped differently from the card: two card lines per typed line
      text.split('\n').reduce((out, l, i) => out + l + (i % 2 ? '\n' : ' '), ''),
    ];
    for (const v of variants) expect(parseShareText(v)).toEqual(e);
  });

  it('a mistyped character names its line', async () => {
    const text = toShareText(await bob());
    const e = thrown(() => parseShareText(mistype(text, 3, 6)));
    expect(e.message).toBe(
      'Line 3 of the share does not match its check characters: a character on that line (or one of its two check characters) is mistyped.',
    );
    // Typed as one line, the card's line numbering still applies.
    expect(thrown(() => parseShareText(mistype(text, 2, 0).replace(/\n/g, ' '))).message).toMatch(
      /^Line 2 of the share/,
    );
    // A wrong check character is caught on its line too.
    expect(thrown(() => parseShareText(mistype(text, 4, 27))).message).toMatch(
      /^Line 4 of the share/,
    );
  });

  it('a missing character names its line and says so', async () => {
    const lines = toShareText(await bob()).split('\n');
    lines[1] = (lines[1] ?? '').replace(/^(.{7})./, '$1');
    expect(thrown(() => parseShareText(lines.join('\n'))).message).toBe(
      'Line 2 of the share has 21 characters where 22 are expected (20 in groups and 2 check characters): a character is missing.',
    );
  });

  it('a skipped line and a missing last line are told apart from typos', async () => {
    const lines = toShareText(await bob()).split('\n');
    const skipped = [...lines.slice(0, 2), ...lines.slice(3)].join('\n');
    expect(thrown(() => parseShareText(skipped)).message).toBe(
      'Line 3 of the share is line 4 of the card: was line 3 skipped?',
    );
    expect(thrown(() => parseShareText(lines.slice(0, -1).join('\n'))).message).toContain(
      'passes its line checks but not its overall check: is a line missing at the end?',
    );
  });

  it('a character that is never in a share is named with its line', async () => {
    const text = toShareText(await bob()).replace(/^(.{5})./, '$1+');
    expect(thrown(() => parseShareText(text)).message).toContain(
      'Line 1 of the share contains "+"',
    );
  });

  it('empty text', () => {
    expect(thrown(() => parseShareText(' \n ')).message).toBe('The share text is empty.');
  });
});

describe('QR payload', () => {
  it('round-trips and uses only QR alphanumeric characters', async () => {
    const e = await bob();
    const payload = toQrPayload(e);
    expect(payload.startsWith(QR_PREFIX)).toBe(true);
    expect(payload).toMatch(/^[0-9A-Z $%*+\-./:]+$/);
    expect(fromQrPayload(payload)).toEqual(e);
    expect(fromQrPayload(` ${payload.toLowerCase()}\n`)).toEqual(e);
    expect(parseShareText(payload)).toEqual(e); // a scanner typing into the share field
  });

  it('corrupted QR text gives a clear error', async () => {
    const payload = toQrPayload(await bob());
    const i = QR_PREFIX.length + 30;
    const swapped = payload.slice(0, i) + (payload[i] === 'A' ? 'B' : 'A') + payload.slice(i + 1);
    expect(thrown(() => fromQrPayload(swapped)).message).toBe(
      'The QR code is damaged: its checksum does not match (a character or module was misread).',
    );
    expect(thrown(() => fromQrPayload(payload.slice(0, -1))).message).toMatch(
      /^The QR code is damaged/,
    );
    expect(
      thrown(() => fromQrPayload(`${payload.slice(0, 20)}0${payload.slice(21)}`)).message,
    ).toBe('The QR code is damaged: it contains characters a share never has.');
    expect(thrown(() => fromQrPayload('https://example.com/')).message).toBe(
      'This QR code is not an Olocus share: its text does not start with OLOCUS-SHARE:',
    );
  });
});
