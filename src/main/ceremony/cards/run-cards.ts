// The cards of a run directory between its steps and its finish: listed from the ledger, printed
// and destroyed one by one, each act recorded in the run's own ledger (unsigned until the run
// resumes and signs its head; the hash chain covers them at once).
import { resolve } from 'node:path';
import { Ledger } from '../../audit/index';
import { readLedgerRecords } from '../../audit/record-reader';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { loadState } from '../run/state';
import { CARD_DESTROYED, CARD_PRINTED, cardDigest, cardStatuses, destroyCardFile } from './custody';
import type { CardStatus } from './custody';

const refuse = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

/** The run's cards, refusing a directory that is not an unfinished run. */
export async function runCards(
  dir: string,
): Promise<{ dir: string; cards: CardStatus[]; actor: string }> {
  const full = resolve(dir);
  const state = await loadState(full);
  if (!state) throw refuse(`${full} holds no ceremony run (no state.json).`);
  if (state.status === 'finished') {
    throw refuse(
      `${full} is a finished run: its ledger is closed and its manifest covers the cards it kept, so they are not touched here.`,
    );
  }
  const { records } = await readLedgerRecords(resolve(full, 'audit.jsonl')).catch(() => ({
    records: [],
  }));
  const started = records.find((r) => r.type === 'ceremony.started');
  const roles = (started?.data.roles ?? {}) as { administrator?: unknown };
  const actor = typeof roles.administrator === 'string' ? roles.administrator : 'olocus-ceremony';
  return { dir: full, cards: await cardStatuses(full, records), actor };
}

/** Picks cards by custodian name or card file name; all pending ones when no name is given. */
export function selectCards(cards: CardStatus[], name: string | undefined): CardStatus[] {
  const pending = cards.filter((c) => c.state === 'pending');
  if (name === undefined) return pending;
  const want = name.trim().toLowerCase();
  const hit = pending.filter(
    (c) =>
      c.custodian.toLowerCase() === want ||
      c.card.toLowerCase() === want ||
      c.card.toLowerCase().endsWith(`/${want}`) ||
      c.card.toLowerCase().endsWith(`/${want}.pdf`),
  );
  if (hit.length === 0) {
    const listed = pending.map((c) => `${c.custodian} (${c.card})`).join(', ') || 'none';
    throw refuse(`No card still to print or destroy matches "${name}"; pending: ${listed}.`);
  }
  return hit;
}

async function appendToRun(
  dir: string,
  actor: string,
  type: string,
  data: Record<string, unknown>,
) {
  const { ledger } = await Ledger.open(resolve(dir, 'audit.jsonl'), { actor });
  try {
    await ledger.append({ actor, step: null, type, data });
  } finally {
    await ledger.close();
  }
}

export async function recordCardPrinted(
  run: { dir: string; actor: string },
  card: CardStatus,
  via: string,
): Promise<string> {
  const { sha256 } = await cardDigest(run.dir, card.card);
  await appendToRun(run.dir, run.actor, CARD_PRINTED, {
    card: card.card,
    custodian: card.custodian,
    sha256,
    via,
  });
  return sha256;
}

/** Overwrites and deletes the card, then records its digest and who confirmed receipt. */
export async function destroyRunCard(
  run: { dir: string; actor: string },
  card: CardStatus,
  receivedBy: string,
): Promise<{ sha256: string; bytes: number }> {
  const done = await destroyCardFile(run.dir, card.card);
  await appendToRun(run.dir, run.actor, CARD_DESTROYED, {
    card: card.card,
    custodian: card.custodian,
    sha256: done.sha256,
    bytes: done.bytes,
    receipt_confirmed_by: receivedBy,
    method: 'overwritten with random bytes, synced, unlinked',
  });
  return done;
}
