// The room: the people a run waits for. The engine asks; a front (the wizard, the CLI, the
// demo) answers. Whatever answers, the engine checks every share itself.
import type { Secret } from '../../../shared/secret';
import type { Passphrase } from '../quorum/passphrase';

export interface ShareRequest {
  secretId: string;
  /** What the reconstructed secret is for, in the officer's words. */
  purpose: string;
  custodians: string[];
  /** Custodians whose shares were accepted in this session. */
  presented: string[];
  need: number;
  /** Why the previous share was refused, naming its custodian. */
  refused?: string;
}

export interface PresentedShare {
  /**
   * The share as typed (grouped base32) or scanned (QR payload). Rooms facing people (IPC,
   * CLI) hand a Secret, which the engine disposes once it is read; scripted rooms may hand text.
   */
  text: string | Secret;
  /** Who handed it over, as the room saw it; the share itself must agree. */
  presentedBy?: string;
  /** Asked for only when the share turns out to be passphrase-protected. */
  passphrase?: () => Promise<Passphrase>;
}

export interface IssuedShare {
  secretId: string;
  custodian: string;
  /** Path of the custodian's share card PDF, relative to the run directory. */
  card: string;
  /** The share as printed on the card (text form), for rooms that hand it over directly. */
  text: string;
}

export interface RoomEvent {
  stepId: string | null;
  kind: 'progress' | 'result' | 'refused' | 'warning';
  message: string;
}

/** A share card still in the run directory at the end of a run. */
export interface CardHandOver {
  /** Relative to the run directory. */
  card: string;
  path: string;
  custodian: string;
  sha256: string;
}

/** A custodian confirmed they hold their printed card: its file may now be destroyed. */
export interface CardReceipt {
  card: string;
  receivedBy: string;
  /** How it was printed: 'lp', 'print dialog', or what the room did. */
  printedVia: string;
}

export interface CeremonyRoom {
  /** The next share for the request, or null when no further custodian can present one. */
  nextShare(request: ShareRequest): Promise<PresentedShare | null>;
  /** A witness's sign-off for a step, or null when none is given (the step then stops). */
  witness(request: {
    stepId: string;
    title: string;
    statement: string;
    witnesses: string[];
  }): Promise<{ name: string } | null>;
  sharesIssued(shares: IssuedShare[]): Promise<void>;
  /** As a card is printed: the officer's own passphrase to seal their share, or null for none. */
  choosePassphrase?(request: { secretId: string; custodian: string }): Promise<Passphrase | null>;
  announce(event: RoomEvent): void;
  /**
   * At the end of the run, unless the script says keep_cards: true: print each card still in
   * the run directory, ask its custodian to confirm receipt, and return the confirmed ones (the
   * run destroys those files). A room without this, or a card not confirmed, stops the run.
   */
  handOverCards?(cards: CardHandOver[]): Promise<CardReceipt[]>;
}
