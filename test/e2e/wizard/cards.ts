// Share cards as the officers in the e2e tests hold them: the printed text read off the PDF
// with pdftotext (what an officer types) and the card photographed (what a camera gives).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** What an officer types from the card: each line's groups and its two check characters. */
export function cardText(pdf: string): string {
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  const lines = text
    .split('\n')
    .map((l) => /^\s*\d+\s+([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})*)\s+([A-Z2-7]{2})\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}  ${m[2]}`);
  if (lines.length < 2) throw new Error(`No share lines could be read off ${pdf}.`);
  return lines.join('\n');
}

/** The same card with one character of its first line changed, as a tired officer types it. */
export function withTypo(text: string): string {
  return text.replace(/^(\w{4}-)(\w)/, (_, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'));
}

/** Page 1 of the card as a 100 dpi PNG in `dir`, as a scanner or camera gives it. */
export function cardPhoto(pdf: string, dir: string, name: string): string {
  const prefix = join(dir, name);
  execFileSync('pdftoppm', ['-png', '-r', '100', '-f', '1', '-l', '1', '-singlefile', pdf, prefix]);
  return `${prefix}.png`;
}

/** The card file of a custodian for the token PINs, as the engine names it. */
export function cardOf(runDir: string, custodian: string): string {
  return join(runDir, 'shares', `${custodian.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.pdf`);
}
