// A room that answers by itself: for the demo and for rehearsals on a throwaway token, where
// the officers are played by the program. It still goes through every check a real room does.
import type {
  CardHandOver,
  CardReceipt,
  CeremonyRoom,
  IssuedShare,
  PresentedShare,
  RoomEvent,
  ShareRequest,
} from '../run/room';

export interface ScriptedRoomOptions {
  /** Shares already issued (a resumed demo reads them back from its demo-secrets folder). */
  shares?: IssuedShare[];
  /** Called when shares are issued, to keep them for a later resume. */
  keep?: (shares: IssuedShare[]) => Promise<void>;
  /** Which officers come to the table, in order; default: all, in script order. */
  present?: string[];
  onEvent?: (e: RoomEvent) => void;
  /** Officers who seal their cards, and the passphrase each then types when presenting. */
  passphrases?: Record<string, string>;
}

export class ScriptedRoom implements CeremonyRoom {
  private readonly shares = new Map<string, IssuedShare>();
  readonly events: RoomEvent[] = [];

  constructor(private readonly options: ScriptedRoomOptions = {}) {
    for (const s of options.shares ?? []) this.shares.set(`${s.secretId}|${s.custodian}`, s);
  }

  async nextShare(req: ShareRequest): Promise<PresentedShare | null> {
    const order = this.options.present ?? req.custodians;
    for (const custodian of order) {
      if (req.presented.includes(custodian)) continue;
      const s = this.shares.get(`${req.secretId}|${custodian}`);
      if (s && !this.tried.has(`${req.secretId}|${custodian}|${req.presented.length}`)) {
        this.tried.add(`${req.secretId}|${custodian}|${req.presented.length}`);
        const pass = this.options.passphrases?.[custodian];
        return {
          text: s.text,
          presentedBy: custodian,
          ...(pass ? { passphrase: async () => pass } : {}),
        };
      }
    }
    return null;
  }

  private readonly tried = new Set<string>();

  async witness(req: { witnesses: string[] }): Promise<{ name: string } | null> {
    const name = req.witnesses[0];
    return name ? { name } : null;
  }

  async choosePassphrase(req: { custodian: string }): Promise<string | null> {
    return this.options.passphrases?.[req.custodian] ?? null;
  }

  async sharesIssued(shares: IssuedShare[]): Promise<void> {
    for (const s of shares) this.shares.set(`${s.secretId}|${s.custodian}`, s);
    await this.options.keep?.(shares);
  }

  /** The program plays the officers: each "receives" its card, whose text it already keeps. */
  async handOverCards(cards: CardHandOver[]): Promise<CardReceipt[]> {
    return cards.map((c) => ({
      card: c.card,
      receivedBy: c.custodian,
      printedVia: 'not printed: the officers are played by the program',
    }));
  }

  announce(e: RoomEvent): void {
    this.events.push(e);
    this.options.onEvent?.(e);
  }
}
