// The print-and-destroy dialog's main side, as the IPC room runs it: a card question per card,
// receipt refused before printing or by anyone but the custodian, a card changed on disk not
// printed, "keep" returning no receipt (so the engine stops), and printCard for a question
// that is not open refused. The printer here copies the file into a folder, as a spool does.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CardPrinter } from '../../src/main/service/card-handover';
import { RunManager } from '../../src/main/service/run-manager';
import { IpcRoom } from '../../src/main/service/run-room';

const work = mkdtempSync(join(tmpdir(), 'olocus-handover-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function card(name: string, body: string) {
  const path = join(work, `${name}.pdf`);
  writeFileSync(path, body);
  return {
    card: `shares/${name}.pdf`,
    path,
    custodian: name === 'alice' ? 'Alice Archer' : 'Bob Baker',
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}

const spool = join(work, 'spool');
mkdirSync(spool);
let jobs = 0;
const printer: CardPrinter = {
  async print(path) {
    copyFileSync(path, join(spool, `job-${++jobs}`));
    return { via: 'spool', detail: `job ${jobs}` };
  },
};

function room() {
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  const r = new IpcRoom('run-1', (name, payload) =>
    events.push({ name, payload: payload as Record<string, unknown> }),
  );
  const asked = () => events.filter((e) => e.name === 'runCardHandOver').map((e) => e.payload);
  return { r, asked };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('the card hand-over in the IPC room', () => {
  it('prints, refuses early and wrong confirmations, and returns only confirmed cards', async () => {
    const { r, asked } = room();
    const cards = [card('alice', 'alice card'), card('bob', 'bob card')];
    const done = r.handOverCards(cards);
    await tick();
    const first = asked()[0]!;
    expect(first).toMatchObject({ card: 'shares/alice.pdf', index: 1, total: 2, printed: null });
    const id = first.requestId as string;
    expect(() => r.answer(id, { ask: 'card', receivedBy: 'Alice Archer' })).toThrow(
      "Alice Archer's card has not been printed yet; print it before its receipt is confirmed.",
    );
    expect(await r.printCard(id, printer)).toEqual({ printed: 'spool (job 1)' });
    expect(r.open()[0]).toMatchObject({ ask: 'card', printed: 'spool (job 1)' });
    expect(() => r.answer(id, { ask: 'card', receivedBy: 'Bob Baker' })).toThrow(
      'Only Alice Archer can confirm receipt of this card; "Bob Baker" is not its custodian, so the file stays.',
    );
    expect(r.answer(id, { ask: 'card', receivedBy: '  alice archer ' })).toBe(true);
    await tick();
    // Bob's card: kept (no receipt), so the engine will stop naming it.
    const second = asked()[1]!;
    expect(r.answer(second.requestId as string, { ask: 'card', receivedBy: null })).toBe(true);
    expect(await done).toEqual([
      { card: 'shares/alice.pdf', receivedBy: 'Alice Archer', printedVia: 'spool (job 1)' },
    ]);
  });

  it('does not print a card whose file changed since the run issued it', async () => {
    const { r, asked } = room();
    const c = card('alice', 'original');
    void r.handOverCards([c]).catch(() => undefined);
    await tick();
    writeFileSync(c.path, 'swapped');
    const before = jobs;
    await expect(r.printCard(asked()[0]!.requestId as string, printer)).rejects.toThrow(
      /^shares\/alice\.pdf changed since the run issued it \(sha256 [0-9a-f]{64}, issued [0-9a-f]{64}\); it was not printed\.$/,
    );
    expect(jobs).toBe(before);
    r.cancel();
  });

  it('refuses to print for a question that is not open', async () => {
    const runs = new RunManager(() => undefined, { printer });
    await expect(runs.printCard('9d7c3c1e-1f43-4a55-9b43-5c4bb3d7e2a1')).rejects.toThrow(
      'That card is no longer waiting to be printed (its question was answered, timed out, or its run ended).',
    );
  });
});
