// The room as the wizard sees it. The engine asks (a share, a witness's sign-off, a
// passphrase); this sends the question to the window as an event with a fresh request id and
// waits for the officer's answer to come back through presentShare / signOff /
// givePassphrase. Every question has a deadline; cancelling the run refuses every open and
// future question, which stops the engine at its next ask.
//
// Secrets travel one way: share text and passphrases arrive here from the renderer and go to
// the engine. Issued shares go to the window as card paths only, never as text.
import { randomUUID } from 'node:crypto';
import type { OpenRequest } from '../../shared/contract';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type {
  CardHandOver,
  CardReceipt,
  CeremonyRoom,
  IssuedShare,
  PresentedShare,
  RoomEvent,
  ShareRequest,
} from '../ceremony/run/room';
import { Secret } from '../../shared/secret';
import type { EmitEvent } from './emit-event';
import { CardDesk } from './card-handover';
import type { CardPrinter } from './card-handover';

/** What the renderer answered, as the handlers pass it on (already schema-checked). */
export type Answer =
  | { ask: 'share'; share: { text: string | Secret; presentedBy?: string | undefined } | null }
  | { ask: 'witness'; name: string | null }
  | { ask: 'passphrase'; passphrase: string | Secret | null }
  | { ask: 'card'; receivedBy: string | null };

/** Text that arrived as a string becomes a Secret here, the first step inside main. */
const asSecret = (v: string | Secret): Secret =>
  typeof v === 'string' ? Secret.fromText(v.normalize('NFC')) : v;
type Ask = Answer['ask'];
type AnswerOf<A extends Ask> = Extract<Answer, { ask: A }>;

export interface IpcRoomOptions {
  /** How long one question waits for the room; default 30 minutes (people are slow). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

interface Pending {
  prompt: OpenRequest;
  settle: (answer: Answer) => void;
  fail: (e: OlocusError) => void;
}

export class IpcRoom implements CeremonyRoom {
  private readonly pending = new Map<string, Pending>();
  private cancelled: OlocusError | null = null;
  private readonly timeoutMs: number;
  private readonly cards = new CardDesk();

  constructor(
    private readonly runId: string,
    private readonly emit: EmitEvent,
    options: IpcRoomOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The questions waiting for an answer, for runStatus. */
  open(): OpenRequest[] {
    return [...this.pending.values()].map((p) => p.prompt);
  }

  has(requestId: string): boolean {
    return this.pending.has(requestId);
  }

  /**
   * Delivers the renderer's answer. False when no such question is open (answered already,
   * timed out, another run's) or the answer is for a different kind of question.
   */
  answer(requestId: string, answer: Answer): boolean {
    const p = this.pending.get(requestId);
    if (!p || p.prompt.ask !== answer.ask) return false;
    // A confirmation before printing, or by another person, is refused with its reason.
    if (p.prompt.ask === 'card' && answer.ask === 'card')
      this.cards.receipt(p.prompt, answer.receivedBy);
    p.settle(answer);
    return true;
  }

  /** Has the asked card printed; false when no such card question is open here. */
  async printCard(requestId: string, printer: CardPrinter): Promise<{ printed: string } | false> {
    const p = this.pending.get(requestId);
    if (!p || p.prompt.ask !== 'card') return false;
    const { ask, requestId: _id, ...fields } = p.prompt;
    const printed = await this.cards.print(fields, printer);
    // Still open after the printer answered: the prompt now says it was printed (runStatus).
    if (this.pending.get(requestId) === p) p.prompt = { ask, requestId, ...printed };
    return { printed: printed.printed! };
  }

  /** Refuses every open question and every later one; the engine stops at its next ask. */
  cancel(): void {
    this.cancelled ??= new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      'The run was cancelled from the wizard; run it again on the same directory to resume.',
    );
    for (const p of [...this.pending.values()]) p.fail(this.cancelled);
  }

  private ask<A extends Ask>(prompt: OpenRequest & { ask: A }): Promise<AnswerOf<A>> {
    if (this.cancelled) return Promise.reject(this.cancelled);
    const { requestId } = prompt;
    return new Promise<AnswerOf<A>>((resolve, reject) => {
      const close = (reason: 'answered' | 'timeout' | 'cancelled') => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        this.emit('runRequestClosed', { runId: this.runId, requestId, reason });
      };
      const timer = setTimeout(() => {
        close('timeout');
        reject(
          new OlocusError(
            ErrorCode.TIMEOUT,
            `Nobody answered within ${Math.round(this.timeoutMs / 60_000)} minutes (${describe(prompt)}); run the ceremony again on the same directory to resume.`,
          ),
        );
      }, this.timeoutMs);
      timer.unref?.();
      this.pending.set(requestId, {
        prompt,
        settle: (answer) => {
          close('answered');
          resolve(answer as AnswerOf<A>);
        },
        fail: (e) => {
          close('cancelled');
          reject(e);
        },
      });
      this.sendPrompt(prompt);
    });
  }

  private sendPrompt(prompt: OpenRequest): void {
    const runId = this.runId;
    switch (prompt.ask) {
      case 'share': {
        const { ask: _ask, ...rest } = prompt;
        return this.emit('runShareNeeded', { runId, ...rest });
      }
      case 'witness': {
        const { ask: _ask, ...rest } = prompt;
        return this.emit('runWitnessNeeded', { runId, ...rest });
      }
      case 'passphrase': {
        const { ask: _ask, ...rest } = prompt;
        return this.emit('runPassphraseNeeded', { runId, ...rest });
      }
      case 'card': {
        const { ask: _ask, ...rest } = prompt;
        return this.emit('runCardHandOver', { runId, ...rest });
      }
    }
  }

  /**
   * The print-and-destroy dialog: one card at a time, printed through printCard and confirmed
   * by its custodian; a card kept (null) stays on disk and the engine stops the run naming it.
   */
  async handOverCards(cards: CardHandOver[]): Promise<CardReceipt[]> {
    const out: CardReceipt[] = [];
    for (const prompt of this.cards.prompts(cards)) {
      const requestId = randomUUID();
      const { receivedBy } = await this.ask({ ask: 'card', requestId, ...prompt });
      const receipt = this.cards.receipt(prompt, receivedBy);
      if (receipt) out.push(receipt);
    }
    return out;
  }

  async nextShare(request: ShareRequest): Promise<PresentedShare | null> {
    const { share } = await this.ask({
      ask: 'share',
      requestId: randomUUID(),
      secretId: request.secretId,
      purpose: request.purpose,
      custodians: [...request.custodians],
      presented: [...request.presented],
      need: request.need,
      ...(request.refused !== undefined ? { refused: request.refused } : {}),
    });
    if (!share) return null;
    const presentedBy = share.presentedBy;
    return {
      text: asSecret(share.text),
      ...(presentedBy !== undefined ? { presentedBy } : {}),
      // Asked only if the share turns out to be sealed; a refusal here refuses this share.
      passphrase: async () => {
        const { passphrase } = await this.ask({
          ask: 'passphrase',
          requestId: randomUUID(),
          reason: 'unseal',
          secretId: request.secretId,
          custodian: presentedBy ?? null,
        });
        if (passphrase === null) {
          throw new OlocusError(
            ErrorCode.INVALID_INPUT,
            'This share is sealed with a passphrase and none was typed; it was not accepted.',
          );
        }
        return asSecret(passphrase);
      },
    };
  }

  async witness(request: {
    stepId: string;
    title: string;
    statement: string;
    witnesses: string[];
  }): Promise<{ name: string } | null> {
    const { name } = await this.ask({
      ask: 'witness',
      requestId: randomUUID(),
      stepId: request.stepId,
      title: request.title,
      statement: request.statement,
      witnesses: [...request.witnesses],
    });
    return name === null ? null : { name };
  }

  async choosePassphrase(request: { secretId: string; custodian: string }): Promise<Secret | null> {
    const { passphrase } = await this.ask({
      ask: 'passphrase',
      requestId: randomUUID(),
      reason: 'seal',
      secretId: request.secretId,
      custodian: request.custodian,
    });
    return passphrase === null ? null : asSecret(passphrase);
  }

  async sharesIssued(shares: IssuedShare[]): Promise<void> {
    // Where each card is, never what is on it: the officer takes the printed card.
    this.emit('runCardsIssued', {
      runId: this.runId,
      cards: shares.map((s) => ({ secretId: s.secretId, custodian: s.custodian, card: s.card })),
    });
  }

  announce(event: RoomEvent): void {
    this.emit('runProgress', {
      runId: this.runId,
      stepId: event.stepId,
      kind: event.kind,
      message: event.message,
    });
  }
}

function describe(prompt: OpenRequest): string {
  switch (prompt.ask) {
    case 'share':
      return `a share for ${prompt.purpose}`;
    case 'witness':
      return `a witness's sign-off for "${prompt.title}"`;
    case 'card':
      return `${prompt.custodian}'s confirmation that they hold their printed card`;
    case 'passphrase':
      return prompt.reason === 'seal'
        ? `${prompt.custodian ?? 'an officer'}'s choice of passphrase`
        : `the passphrase of ${prompt.custodian ? `${prompt.custodian}'s sealed share` : 'a sealed share'}`;
  }
}
