// Text as the standard PDF fonts can print it, and the small formatting rules the report uses
// everywhere (times in UTC, hex in groups of four, one-line summaries of step results).
import { formatHexGroups } from '../../audit/index';

// WinAnsi has these beyond Latin-1; anything else would print as a wrong glyph, so it is spelled.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const SPELLED: Record<string, string> = {
  '→': '->',
  '←': '<-',
  '≠': '!=',
  '≤': '<=',
  '≥': '>=',
  '✓': 'ok',
  '×': 'x',
};

export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if ((code < 0x20 && ch !== '\n') || code === 0x7f) continue;
    out += code <= 0xff || WIN_ANSI_EXTRA.has(ch) ? ch : (SPELLED[ch] ?? '?');
  }
  return out;
}

/** "2026-11-29 09:36:52 UTC" from an ISO time; "-" for none. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Time of day only, for tables within one ceremony day. */
export function clock(iso: string | null | undefined): string {
  return iso ? utc(iso).slice(11, 19) : '-';
}

export function duration(from?: string | null, to?: string | null): string {
  if (!from || !to) return '-';
  const ms = new Date(to).getTime() - new Date(from).getTime();
  if (!(ms >= 0)) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function hexGroups(hex: string, perLine = 8): string {
  return formatHexGroups(hex, { perLine, upper: false });
}

/** A step's public results flattened to "path: value" pairs, for one table cell. */
export function summarise(value: unknown, max = 400): string {
  const parts: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (parts.join('; ').length > max) return;
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x !== 'object')) parts.push(`${path}: ${v.join(', ')}`);
      else v.forEach((x, i) => walk(x, `${path}[${i}]`));
    } else if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        // Fingerprints are printed in full in the key inventory; here the words only clutter.
        if (k === 'words') continue;
        walk(x, path ? `${path}.${k}` : k);
      }
    } else parts.push(`${path}: ${String(v)}`);
  };
  walk(value, '');
  const text = parts.join('; ');
  return text.length > max ? `${text.slice(0, max - 3)}...` : text || '-';
}
