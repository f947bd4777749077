// The end-of-run rule for share cards: none may stay in the run directory unless the script says
// keep_cards: true (then the ledger says which were kept, with their digests). Otherwise each is
// handed over through the room (printed, receipt confirmed) and destroyed, or the run stops.
import { readLedgerRecords } from '../../audit/record-reader';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import {
  CARDS_KEPT,
  CARD_DESTROYED,
  cardPath,
  cardStatuses,
  destroyCardFile,
} from '../cards/custody';
import type { RunContext } from './context';

export async function settleCards(ctx: RunContext): Promise<void> {
  const { records } = await readLedgerRecords(ctx.path('audit.jsonl'));
  const pending = (await cardStatuses(ctx.dir, records)).filter((c) => c.state === 'pending');
  if (pending.length === 0) return;
  if (ctx.script.keep_cards) {
    await ctx.event(null, CARDS_KEPT, {
      reason: 'the script says keep_cards: true',
      cards: pending.map((c) => ({ card: c.card, custodian: c.custodian, sha256: c.sha256 })),
    });
    return;
  }
  const receipts = ctx.room.handOverCards
    ? await ctx.room.handOverCards(
        pending.map((c) => ({
          card: c.card,
          path: cardPath(ctx.dir, c.card),
          custodian: c.custodian,
          sha256: c.sha256!,
        })),
      )
    : [];
  for (const r of receipts) {
    const card = pending.find((c) => c.card === r.card);
    if (!card) continue;
    const { sha256, bytes } = await destroyCardFile(ctx.dir, card.card);
    await ctx.event(null, CARD_DESTROYED, {
      card: card.card,
      custodian: card.custodian,
      sha256,
      bytes,
      printed_via: r.printedVia,
      receipt_confirmed_by: r.receivedBy,
      method: 'overwritten with random bytes, synced, unlinked',
    });
  }
  const left = pending.filter((c) => !receipts.some((r) => r.card === c.card));
  if (left.length > 0) {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `${left.length} share card${left.length === 1 ? ' is' : 's are'} still in ${ctx.path('shares')} (${left.map((c) => c.custodian).join(', ')}): print each, hand it to its officer and destroy the file (olocus-ceremony ceremony cards print|destroy --out ${ctx.dir}), or set keep_cards: true in the script; then run again to finish.`,
    );
  }
}
