// The window shows every SPKI fingerprint as hex and as PGP words, the way the room reads it
// aloud; the words are made here so the renderer never needs the word list (main code).
import { toPgpWords } from '../audit/pgp-words';

/** PGP words of a SHA-256 fingerprint in hex, space separated; null stays null. */
export function spkiWordsOf(spkiSha256: string | null | undefined): string | null {
  if (!spkiSha256) return null;
  try {
    return toPgpWords(spkiSha256).join(' ');
  } catch {
    // A fingerprint that is not hex is shown as it is; it has no spoken form.
    return null;
  }
}

/** Adds `spkiWords` beside `spkiSha256` on each item. */
export function withSpkiWords<T extends { spkiSha256: string | null }>(
  items: readonly T[],
): (T & { spkiWords: string | null })[] {
  return items.map((k) => ({ ...k, spkiWords: spkiWordsOf(k.spkiSha256) }));
}

/** A run result with words beside each key's fingerprint. */
export function runWithWords<R extends { keys: { spkiSha256: string | null }[] }>(
  result: R,
): Omit<R, 'keys'> & { keys: (R['keys'][number] & { spkiWords: string | null })[] } {
  return { ...result, keys: withSpkiWords(result.keys) };
}
