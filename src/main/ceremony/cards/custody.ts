// Share cards that do not outlive printing: which cards a run issued (its secret.split records),
// which are settled (destroyed, or kept because the script says keep_cards: true), and the
// destruction itself: the file's digest taken, its bytes overwritten and synced, then unlinked.
// The ledger records the digest, never the card.
import { randomFillSync, createHash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { syncDirectory } from '../../audit/durable';
import type { LedgerRecord } from '../../audit/types';
import { ErrorCode, OlocusError } from '../../../shared/errors';

export const CARD_PRINTED = 'card.printed' as const;
export const CARD_DESTROYED = 'card.destroyed' as const;
export const CARDS_KEPT = 'cards.kept' as const;

export interface IssuedCard {
  /** Relative to the run directory, as the secret.split record names it. */
  card: string;
  custodian: string;
  split: string;
}

export interface CardStatus extends IssuedCard {
  state: 'pending' | 'destroyed' | 'kept' | 'missing';
  /** Set when printed (card.printed) or settled. */
  sha256?: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Every card the ledger says was issued, in issue order. */
export function issuedCards(records: readonly LedgerRecord[]): IssuedCard[] {
  const out: IssuedCard[] = [];
  for (const r of records) {
    if (r.type !== 'secret.split' || !Array.isArray(r.data.cards)) continue;
    for (const c of r.data.cards as unknown[]) {
      const o = (c ?? {}) as Record<string, unknown>;
      if (str(o.card))
        out.push({ card: str(o.card), custodian: str(o.custodian), split: str(r.data.split) });
    }
  }
  return out;
}

/** Each issued card with what the ledger and the disk say about it. */
export async function cardStatuses(
  dir: string,
  records: readonly LedgerRecord[],
): Promise<CardStatus[]> {
  const settled = new Map<string, { state: 'destroyed' | 'kept'; sha256: string }>();
  const printed = new Map<string, string>();
  for (const r of records) {
    if (r.type === CARD_DESTROYED)
      settled.set(str(r.data.card), { state: 'destroyed', sha256: str(r.data.sha256) });
    if (r.type === CARD_PRINTED) printed.set(str(r.data.card), str(r.data.sha256));
    if (r.type === CARDS_KEPT && Array.isArray(r.data.cards))
      for (const c of r.data.cards as Record<string, unknown>[])
        settled.set(str(c.card), { state: 'kept', sha256: str(c.sha256) });
  }
  const out: CardStatus[] = [];
  for (const c of issuedCards(records)) {
    const s = settled.get(c.card);
    if (s) {
      out.push({ ...c, ...s });
      continue;
    }
    const digest = await digestOf(cardPath(dir, c.card)).catch(() => null);
    const sha = printed.get(c.card);
    out.push({
      ...c,
      state: digest ? 'pending' : 'missing',
      ...((digest ?? sha) ? { sha256: (digest?.sha256 ?? sha)! } : {}),
    });
  }
  return out;
}

/** A card's path, refusing any ledger entry that would point outside the run's shares folder. */
export function cardPath(dir: string, card: string): string {
  const root = resolve(dir, 'shares');
  const full = resolve(dir, card);
  if (!full.startsWith(root + sep) || relative(root, full).includes('..')) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The card ${card} is not inside ${join(dir, 'shares')}; it is not touched.`,
    );
  }
  return full;
}

async function digestOf(path: string): Promise<{ sha256: string; bytes: number }> {
  const fh = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.alloc(64 * 1024);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, bytes);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    buf.fill(0); // deliberate: read-ahead scratch for hashing the card file
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await fh.close();
  }
}

/** The card's digest, for the ledger entry that says it was printed. */
export function cardDigest(dir: string, card: string): Promise<{ sha256: string; bytes: number }> {
  return digestOf(cardPath(dir, card));
}

/**
 * Takes the card's digest, overwrites every byte with random data and syncs it, then unlinks the
 * file and syncs the folder. On copy-on-write or journalled file systems and SSDs the old blocks
 * may survive the overwrite: the README says so; full-disk encryption is the control for that.
 */
export async function destroyCardFile(
  dir: string,
  card: string,
): Promise<{ sha256: string; bytes: number }> {
  const path = cardPath(dir, card);
  const digest = await digestOf(path);
  const fh = await open(path, 'r+');
  try {
    const noise = Buffer.alloc(64 * 1024);
    for (let at = 0; at < digest.bytes; at += noise.length) {
      randomFillSync(noise);
      const n = Math.min(noise.length, digest.bytes - at);
      let done = 0;
      while (done < n) done += (await fh.write(noise, done, n - done, at + done)).bytesWritten;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await unlink(path);
  await syncDirectory(dirname(path));
  return digest;
}
