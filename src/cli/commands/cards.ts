// `ceremony cards print|destroy --out DIR [--card NAME]`: share cards do not outlive printing.
// print sends each card still in the run directory to `lp`; destroy overwrites and deletes it
// once its officer confirmed receipt. Both are recorded in the run's ledger, by digest.
import { createInterface } from 'node:readline/promises';
import type { CardStatus } from '../../main/ceremony/cards/custody';
import {
  destroyRunCard,
  recordCardPrinted,
  runCards,
  selectCards,
} from '../../main/ceremony/cards/run-cards';
import { UsageError } from '../errors';
import { findLp, printWithLp } from '../../main/ceremony/cards/print-lp';
import type { CommandContext, CommandSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';

const norm = (s: string) => s.trim().toLowerCase();

async function confirmReceipt(card: CardStatus): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const typed = await rl.question(
      `${card.custodian}: type your name to confirm you hold your printed card (anything else keeps the file): `,
    );
    return norm(typed) === norm(card.custodian);
  } finally {
    rl.close();
  }
}

async function print(
  ctx: CommandContext,
  run: Awaited<ReturnType<typeof runCards>>,
  cards: CardStatus[],
) {
  const lp = findLp();
  if (!lp) {
    throw new UsageError(
      `This machine has no lp (CUPS), so the cards were not printed: print ${cards.map((c) => c.card).join(', ')} from ${run.dir} on a machine that has, or install cups-client.`,
    );
  }
  const done: { card: string; custodian: string; sha256: string; job: string }[] = [];
  for (const c of cards) {
    const job = await printWithLp(lp, `${run.dir}/${c.card}`).catch((e: unknown) => {
      throw new UsageError(`lp could not print ${c.card}: ${(e as Error).message}`);
    });
    const sha256 = await recordCardPrinted(run, c, 'lp');
    done.push({ card: c.card, custodian: c.custodian, sha256, job });
  }
  ctx.out.result({ dir: run.dir, printed: done }, () =>
    done
      .map((d) => `printed  ${d.custodian}  ${d.card}  sha256 ${d.sha256}  (${d.job})`)
      .join('\n'),
  );
  ctx.out.note(
    `Hand each card to its officer, then: olocus-ceremony ceremony cards destroy --out ${run.dir}`,
  );
}

async function destroy(
  ctx: CommandContext,
  run: Awaited<ReturnType<typeof runCards>>,
  cards: CardStatus[],
) {
  const asserted = ctx.values.received === true;
  if (!asserted && !process.stdin.isTTY) {
    throw new UsageError(
      'Destroying a card needs its officer to confirm receipt: run this at a terminal, or pass --received once each officer has confirmed.',
    );
  }
  const done: { card: string; custodian: string; sha256: string; bytes: number }[] = [];
  const kept: string[] = [];
  for (const c of cards) {
    if (!asserted && !(await confirmReceipt(c))) {
      kept.push(c.custodian);
      continue;
    }
    const d = await destroyRunCard(run, c, c.custodian);
    done.push({ card: c.card, custodian: c.custodian, ...d });
  }
  ctx.out.result({ dir: run.dir, destroyed: done, kept }, () =>
    [
      ...done.map((d) => `destroyed  ${d.custodian}  ${d.card}  sha256 ${d.sha256}`),
      ...kept.map((k) => `kept       ${k}: receipt not confirmed`),
    ].join('\n'),
  );
  return kept.length === 0 ? 0 : 1;
}

export const ceremonyCardsCommand: CommandSpec = {
  words: ['ceremony', 'cards'],
  usage: 'ceremony cards print|destroy --out DIR [--card NAME] [--received]',
  summary: "prints a run's share cards (lp), or destroys them once their officers hold them",
  details: [
    "print sends every card still in DIR (or NAME's) to the default printer with lp and records its SHA-256.",
    'destroy asks each officer to confirm receipt, then overwrites the card with random bytes, deletes it, and records its SHA-256.',
    'A run cannot finish while cards remain, unless its script says keep_cards: true. Exit 1 when a card was kept.',
  ],
  flags: {
    out: { type: 'string', value: 'DIR', help: 'the run directory', required: true },
    card: { type: 'string', value: 'NAME', help: "one officer's card (name or file)" },
    received: {
      type: 'boolean',
      help: 'destroy: every officer has already confirmed receipt (no prompt)',
    },
  },
  positionals: ['ACTION'],
  async run(ctx) {
    const action = ctx.positionals[0];
    if (action !== 'print' && action !== 'destroy')
      throw new UsageError('ceremony cards takes print or destroy.');
    const run = await runCards(stringFlag(ctx, 'out'));
    const cards = selectCards(run.cards, optionalString(ctx, 'card'));
    if (cards.length === 0) {
      ctx.out.result(
        { dir: run.dir, cards: run.cards },
        () => `No card of ${run.dir} is left to ${action}.`,
      );
      return 0;
    }
    if (action === 'print') {
      await print(ctx, run, cards);
      return 0;
    }
    return destroy(ctx, run, cards);
  },
};
