// The room as the command line sees it: shares from --share NAME=FILE (or typed at a terminal),
// passphrases from --passphrase NAME=env:VAR|file:PATH (or a hidden prompt), witness sign-off
// from --witness NAME (or typed at a terminal). Every share is still checked by the engine.
import { readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { MAX_SHARE_TEXT, parseShareText } from '../main/ceremony/quorum/index';
import type {
  CardHandOver,
  CardReceipt,
  CeremonyRoom,
  IssuedShare,
  PresentedShare,
  RoomEvent,
  ShareRequest,
} from '../main/ceremony/run/room';
import { readPin } from '../main/hsm/pin';
import { parsePinSource } from '../main/hsm/uri';
import { Secret } from '../shared/secret';
import { UsageError } from './errors';
import { findLp, printWithLp } from '../main/ceremony/cards/print-lp';

export interface CliRoomOptions {
  shares: string[];
  passphrases: string[];
  witness?: string;
  note: (text: string) => void;
  interactive: boolean;
}

const norm = (s: string) => s.trim().toLowerCase();

function pairs(values: string[], flag: string): [string, string][] {
  return values.map((v) => {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1)
      throw new UsageError(`--${flag} takes NAME=VALUE (got something without "=").`);
    return [v.slice(0, i).trim(), v.slice(i + 1)];
  });
}

export class CliRoom implements CeremonyRoom {
  private readonly files: [string, string][];
  private readonly passphrases = new Map<string, string>();
  private readonly tried = new Set<string>();

  constructor(private readonly o: CliRoomOptions) {
    this.files = pairs(o.shares, 'share');
    for (const [name, source] of pairs(o.passphrases, 'passphrase'))
      this.passphrases.set(norm(name), source);
  }

  /** The passphrase as a Secret: the engine disposes it once the share is sealed or opened. */
  private passphraseFor(custodian: string): () => Promise<Secret> {
    return async () => {
      const source = this.passphrases.get(norm(custodian));
      return readPin(source ? parsePinSource(source) : undefined, {
        prompt: `Passphrase for ${custodian}'s share: `,
      });
    };
  }

  async nextShare(req: ShareRequest): Promise<PresentedShare | null> {
    for (const [name, file] of this.files) {
      const key = `${req.secretId}|${file}`;
      if (this.tried.has(key) || req.presented.some((p) => norm(p) === norm(name))) continue;
      let text: Secret;
      try {
        // Sized before it is read: a photo or a log given by mistake is refused unread.
        const size = statSync(file).size;
        if (size > 4 * MAX_SHARE_TEXT) {
          throw new UsageError(
            `The share file ${file} given for ${name} is ${size} bytes, far more than a share card's text: it is not a share.`,
          );
        }
        // Bytes, not a string: the Secret is the only holder of the file's text from here on.
        text = Secret.adopt(readFileSync(file));
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(`Cannot read the share file ${file} given for ${name}.`);
      }
      // A card for another secret of this ceremony is skipped, not refused: officers hold several.
      let header;
      try {
        header = parseShareText(text.unsafeText()); // the string lives for this call only
      } catch {
        header = null;
      }
      header?.share.dispose(); // only its labels are read
      if (header && header.secretId !== req.secretId) {
        text.dispose();
        continue;
      }
      this.tried.add(key);
      return {
        text,
        presentedBy: name,
        passphrase: this.passphraseFor(header?.custodian ?? name),
      };
    }
    if (!this.o.interactive) return null;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      this.o.note(
        `${req.presented.length} of ${req.need} shares for ${req.purpose}. Next officer: type or paste your share, then an empty line (an empty share ends).`,
      );
      const lines: string[] = [];
      for (;;) {
        const line = await rl.question(lines.length === 0 ? 'share> ' : '     > ');
        if (line.trim() === '') break;
        lines.push(line);
      }
      if (lines.length === 0) return null;
      const text = lines.join('\n');
      let custodian = 'the officer';
      try {
        const h = parseShareText(text);
        custodian = h.custodian;
        h.share.dispose();
      } catch {
        /* the engine reports what is wrong with it */
      }
      return { text: Secret.fromText(text), passphrase: this.passphraseFor(custodian) };
    } finally {
      rl.close();
    }
  }

  /** --passphrase NAME=SOURCE seals NAME's card as it is printed; at a terminal, the officer chooses. */
  async choosePassphrase(req: { secretId: string; custodian: string }): Promise<Secret | null> {
    const source = this.passphrases.get(norm(req.custodian));
    if (!source && !this.o.interactive) return null;
    if (!source) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const want = (
          await rl.question(
            `${req.custodian}: seal your ${req.secretId} card with a passphrase? [y/N] `,
          )
        )
          .trim()
          .toLowerCase();
        if (want !== 'y' && want !== 'yes') return null;
      } finally {
        rl.close();
      }
    }
    return this.passphraseFor(req.custodian)();
  }

  async witness(req: {
    stepId: string;
    title: string;
    statement: string;
    witnesses: string[];
  }): Promise<{ name: string } | null> {
    this.o.note(`Witness sign-off for "${req.title}": ${req.statement}`);
    if (this.o.witness) return { name: this.o.witness };
    if (!this.o.interactive) return null;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const name = (
        await rl.question(`Witness (${req.witnesses.join(' or ')}), type your name to sign: `)
      ).trim();
      return name ? { name } : null;
    } finally {
      rl.close();
    }
  }

  async sharesIssued(shares: IssuedShare[]): Promise<void> {
    for (const s of shares) this.o.note(`Share card for ${s.custodian}: ${s.card}`);
  }

  /**
   * At a terminal: each card goes to lp (when this machine has it) and its officer types their
   * name to confirm they hold it. Headless runs confirm nothing: the run stops and says to use
   * `ceremony cards print|destroy`.
   */
  async handOverCards(cards: CardHandOver[]): Promise<CardReceipt[]> {
    if (!this.o.interactive) return [];
    const lp = findLp();
    if (!lp) this.o.note('This machine has no lp (CUPS): print each card from another machine.');
    const out: CardReceipt[] = [];
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      for (const c of cards) {
        let via = 'printed elsewhere (no lp here)';
        if (lp) {
          try {
            this.o.note(`Printing ${c.custodian}'s card: ${await printWithLp(lp, c.path)}`);
            via = 'lp';
          } catch (e) {
            this.o.note(`lp could not print ${c.card}: ${(e as Error).message}`);
            continue;
          }
        }
        const typed = await rl.question(
          `${c.custodian}: type your name to confirm you hold your printed card (anything else keeps the file): `,
        );
        if (norm(typed) === norm(c.custodian))
          out.push({ card: c.card, receivedBy: c.custodian, printedVia: via });
      }
    } finally {
      rl.close();
    }
    return out;
  }

  announce(e: RoomEvent): void {
    this.o.note(
      `${e.kind === 'refused' ? 'refused: ' : e.kind === 'warning' ? 'warning: ' : ''}${e.message}`,
    );
  }
}
