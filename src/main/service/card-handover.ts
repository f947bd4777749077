// The wizard's print-and-destroy dialog, main's side. At the end of a run whose script does not
// say keep_cards: true, the engine offers each card still in the run directory; the room asks
// the window one card at a time. The window has the card printed (printCard: main hands the
// file to the print outlet, never its bytes to the window), then the custodian types their
// name to confirm receipt (confirmCardReceipt). Only a printed card whose own custodian
// confirmed goes back to the engine, which overwrites and unlinks the file and records its
// digest and the destruction in the ledger (ceremony/run/settle-cards.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { findLp, printWithLp } from '../ceremony/cards/print-lp';
import type { CardHandOver, CardReceipt } from '../ceremony/run/room';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { Secret } from '../../shared/secret';

/** Where a card goes to be printed: lp here, the system print dialog in the desktop app. */
export interface CardPrinter {
  /** Resolves once the outlet took the file; `detail` is its own words (a job id). */
  print(path: string, custodian: string): Promise<{ via: string; detail: string }>;
}

/** The outlet `ceremony cards print` uses: CUPS's lp, when this machine has it. */
export const lpPrinter: CardPrinter = {
  async print(path) {
    const lp = findLp();
    if (!lp) {
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        'This machine has no lp (CUPS), so the card was not printed: install cups-client, or keep the file and print it with olocus-ceremony ceremony cards print on a machine that has.',
      );
    }
    const detail = await printWithLp(lp, path).catch((e: unknown) => {
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `lp could not print the card: ${(e as Error).message}`,
      );
    });
    return { via: 'lp', detail };
  },
};

/** What the window is asked about one card (the contract's card request fields). */
export interface CardPrompt {
  card: string;
  custodian: string;
  sha256: string;
  index: number;
  total: number;
  /** How it was printed in this session, or null while it is not. */
  printed: string | null;
}

const refuse = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);
const norm = (s: string) => s.normalize('NFC').trim().toLowerCase();

/** The cards of one hand-over: where each file is, and how each was printed. */
export class CardDesk {
  private readonly paths = new Map<string, string>();
  /** Card → how it was printed in this session. */
  private readonly printed = new Map<string, string>();

  prompts(cards: CardHandOver[]): CardPrompt[] {
    return cards.map((c, i) => {
      this.paths.set(c.card, c.path);
      return {
        card: c.card,
        custodian: c.custodian,
        sha256: c.sha256,
        index: i + 1,
        total: cards.length,
        printed: null,
      };
    });
  }

  /**
   * Prints the card, refusing a file that is no longer the one the run issued (its digest
   * changed since the engine listed it). Returns the prompt as it is now, printed.
   */
  async print(prompt: CardPrompt, printer: CardPrinter): Promise<CardPrompt> {
    const path = this.paths.get(prompt.card);
    if (!path) throw refuse(`The card ${prompt.card} is not one this run offered for printing.`);
    const read = await readFile(path).catch(() => null);
    if (!read)
      throw refuse(`${prompt.card} is no longer in the run directory; nothing was printed.`);
    // The card's bytes carry a share as printed: owned by a Secret while hashed, then zeroed.
    const card = Secret.adopt(read);
    const sha256 = card.use((b) => createHash('sha256').update(b).digest('hex'));
    card.dispose();
    if (sha256 !== prompt.sha256) {
      throw refuse(
        `${prompt.card} changed since the run issued it (sha256 ${sha256}, issued ${prompt.sha256}); it was not printed.`,
      );
    }
    const { via, detail } = await printer.print(path, prompt.custodian);
    const printed = detail ? `${via} (${detail})` : via;
    this.printed.set(prompt.card, printed);
    return { ...prompt, printed };
  }

  /**
   * The custodian's confirmation, or null to keep the file. Refuses a confirmation before the
   * card was printed, or by anyone but the card's own custodian.
   */
  receipt(
    prompt: Pick<CardPrompt, 'card' | 'custodian'>,
    receivedBy: string | null,
  ): CardReceipt | null {
    if (receivedBy === null) return null;
    const printed = this.printed.get(prompt.card);
    if (printed === undefined) {
      throw refuse(
        `${prompt.custodian}'s card has not been printed yet; print it before its receipt is confirmed.`,
      );
    }
    if (norm(receivedBy) !== norm(prompt.custodian)) {
      throw refuse(
        `Only ${prompt.custodian} can confirm receipt of this card; "${receivedBy.trim()}" is not its custodian, so the file stays.`,
      );
    }
    return { card: prompt.card, receivedBy: prompt.custodian, printedVia: printed };
  }
}
