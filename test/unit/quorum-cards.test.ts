import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatFingerprint,
  protectShare,
  renderShareCard,
  shareTextLines,
} from '../../src/main/ceremony/quorum/index';
import type { ShareEnvelope } from '../../src/main/ceremony/quorum/index';
import { Secret } from '../../src/shared/secret';
import { rejection, split3of5 } from '../fixtures/quorum/split';

const PDFTOTEXT = '/usr/bin/pdftotext';
const dir = mkdtempSync(join(tmpdir(), 'olocus-cards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = {
  ceremonyName: 'Olocus Example Root CA key ceremony',
  location: 'Demonstration room',
  date: new Date('2026-03-02T09:30:00Z'),
};

function pdfText(pdf: Buffer, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, pdf);
  return execFileSync(PDFTOTEXT, ['-layout', path, '-'], { encoding: 'utf8' });
}

async function bob(): Promise<{ share: ShareEnvelope; commitment: string }> {
  const { shares, commitments } = await split3of5();
  const share = shares[1];
  if (!share) throw new Error('no share');
  return { share, commitment: commitments[share.custodian] ?? '' };
}

describe('share cards', () => {
  it('are PDFs, identical when rendered twice from the same share', async () => {
    const { share } = await bob();
    const a = await renderShareCard(share, options);
    const b = await renderShareCard(share, options);
    expect(a.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(a.equals(b)).toBe(true);
    const letter = await renderShareCard(share, { ...options, paper: 'LETTER' });
    expect(letter.toString('latin1')).toContain('/MediaBox [0 0 612 792]');
  });

  it.skipIf(!existsSync(PDFTOTEXT))(
    'print the custodian, the quorum, every share line and the fingerprint',
    async () => {
      const { share, commitment } = await bob();
      const text = pdfText(await renderShareCard(share, options), 'bob.pdf');
      expect(text).toContain('Bob Baker');
      expect(text).toContain('Share 2 of 5 — any 3 reconstruct');
      expect(text).toContain('Olocus Example Root CA key ceremony');
      expect(text).toContain('root-ca-2026');
      expect(text).toContain('2026-03-02');
      expect(text).toContain('Demonstration room');
      for (const line of shareTextLines(share)) {
        expect(text).toContain(line.groups);
        expect(text).toMatch(new RegExp(`${line.groups}\\s+${line.check}`));
      }
      expect(text).toContain(formatFingerprint(commitment));
      expect(text).toMatch(/never photograph/i);
      expect(text).not.toMatch(/passphrase/i);
    },
  );

  it.skipIf(!existsSync(PDFTOTEXT))(
    'print the protected form, and still the plain share’s fingerprint',
    async () => {
      const { share, commitment } = await bob();
      const sealed = await protectShare(share.share, 'correct horse battery staple');
      const text = pdfText(
        await renderShareCard(share, { ...options, protectedShare: sealed }),
        'sealed.pdf',
      );
      const printed = shareTextLines({
        ...share,
        share: Secret.adopt(sealed),
        protected: true,
      }).map((l) => l.groups);
      for (const groups of printed) expect(text).toContain(groups);
      // The plain share's own lines (those not shared with the header) are not on the card.
      const plainOnly = shareTextLines(share)
        .map((l) => l.groups)
        .filter((g) => g.length >= 14 && !printed.includes(g));
      expect(plainOnly.length).toBeGreaterThan(1);
      for (const groups of plainOnly) expect(text).not.toContain(groups);
      expect(text).toContain('locked with your passphrase');
      expect(text).toContain(formatFingerprint(commitment));
    },
  );

  it('refuse names the built-in fonts cannot print, and a protected envelope without its commitment', async () => {
    const { share } = await bob();
    const e = await rejection(renderShareCard({ ...share, custodian: '陈嘉' }, options));
    expect(e.message).toContain('cannot print');
    const f = await rejection(renderShareCard({ ...share, protected: true }, options));
    expect(f.message).toContain('pass its commitment');
  });
});
