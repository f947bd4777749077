import { describe, expect, it } from 'vitest';
import wordlist from '../../resources/pgp-wordlist.json';
import { formatHexGroups, fromPgpWords, toPgpWords } from '../../src/main/audit/pgp-words';
import { OlocusError } from '../../src/shared/errors';

describe('PGP word list', () => {
  it('holds 256 even and 256 odd words, all different, with the published ends', () => {
    expect(wordlist.even).toHaveLength(256);
    expect(wordlist.odd).toHaveLength(256);
    expect(new Set([...wordlist.even, ...wordlist.odd].map((w) => w.toLowerCase())).size).toBe(512);
    expect([wordlist.even[0], wordlist.even[255]]).toEqual(['aardvark', 'Zulu']);
    expect([wordlist.odd[0], wordlist.odd[255]]).toEqual(['adroitness', 'Yucatan']);
  });

  it('reads byte 0x00 as aardvark at even positions and adroitness at odd ones', () => {
    expect(toPgpWords(new Uint8Array([0x00]))).toEqual(['aardvark']);
    expect(toPgpWords('0000')).toEqual(['aardvark', 'adroitness']);
  });

  it('matches the published example E582 94F2', () => {
    expect(toPgpWords('E58294F2').join(' ')).toBe('topmost Istanbul Pluto vagabond');
    expect(toPgpWords('e5 82:94 f2')).toEqual(['topmost', 'Istanbul', 'Pluto', 'vagabond']);
  });

  it('round-trips every byte at both parities', () => {
    const bytes = new Uint8Array(512).map((_, i) => i >> 1);
    expect(fromPgpWords(toPgpWords(bytes))).toEqual(bytes);
    expect(Buffer.from(fromPgpWords('TOPMOST istanbul pluto Vagabond')).toString('hex')).toBe(
      'e58294f2',
    );
    expect(fromPgpWords(['Zulu', 'Yucatán'])).toEqual(new Uint8Array([0xff, 0xff]));
  });

  it('refuses unknown words, words at the wrong parity and bad hex', () => {
    expect(() => fromPgpWords('topmost banana')).toThrow(
      /"banana" \(word 2\) is not in the PGP word list/,
    );
    expect(() => fromPgpWords('topmost Pluto')).toThrow(
      /"Pluto" \(word 2\) belongs at an even position/,
    );
    expect(() => toPgpWords('abc')).toThrow(OlocusError);
    expect(() => toPgpWords('zz')).toThrow(/hexadecimal/);
  });

  it('groups hex for reading aloud', () => {
    const fp = 'e58294f2'.repeat(8);
    expect(formatHexGroups('e58294f2')).toBe('E582 94F2');
    expect(formatHexGroups(fp).split('\n')).toEqual([
      'E582 94F2 E582 94F2 E582 94F2 E582 94F2',
      'E582 94F2 E582 94F2 E582 94F2 E582 94F2',
    ]);
    expect(formatHexGroups(new Uint8Array([1, 2, 3]), { group: 2, upper: false })).toBe('01 02 03');
  });
});
