// Share cards that do not outlive printing, on a real SoftHSM ceremony: a run whose officers do
// not confirm receipt stops before finishing with its cards named; `ceremony cards destroy`
// overwrites and deletes them and records their digests; the resumed run then finishes and its
// report lists the digests, never the cards. keep_cards: true keeps them and says so.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import type { CardHandOver, CardReceipt } from '../../src/main/ceremony/run/room';
import { loadState } from '../../src/main/ceremony/run/state';
import { parseScript } from '../../src/main/ceremony/script/load';
import { verifyReport } from '../../src/main/report';
import { ErrorCode } from '../../src/shared/errors';
import { runCli } from '../helpers/cli';
import { runCeremony } from '../helpers/run-ceremony';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-cards-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function scriptFor(token: string, keep: boolean) {
  const text = `version: 1
ceremony: { id: ${token}, name: Cards ceremony, location: Lab }
hsm: { uri: 'pkcs11:token=${token}?module-path=${SOFTHSM_MODULE}' }
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
quorum: { threshold: 2 }
${keep ? 'keep_cards: true\n' : ''}steps:
  - { id: init, type: token.initialize }
  - { id: gen, type: key.generate, key: { label: signer, type: ec-p256 } }
`;
  return { text, script: parseScript(text) };
}

/** Officers who take their cards only when told to (confirm = false: nobody confirms). */
class CardRoom extends ScriptedRoom {
  confirm = false;
  offered: CardHandOver[] = [];
  override async handOverCards(cards: CardHandOver[]): Promise<CardReceipt[]> {
    this.offered.push(...cards);
    return this.confirm ? super.handOverCards(cards) : [];
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const records = (dir: string) =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq: number; type: string; data: Record<string, unknown> });
const pdfText = (path: string) =>
  execFileSync('pdftotext', ['-layout', path, '-']).toString('utf8');

describe('print and destroy', () => {
  it('stops with cards left, destroys them by command, then finishes listing only digests', async () => {
    const { text, script } = scriptFor('cards-destroy', false);
    const dir = join(work, 'run');
    const room = new CardRoom();
    const err = await runCeremony({ script, scriptText: text, dir, room }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.POLICY_VIOLATION });
    expect((err as Error).message).toBe(
      `3 share cards are still in ${join(dir, 'shares')} (Alice Archer, Bob Baker, Carol Chen): print each, hand it to its officer and destroy the file (olocus-ceremony ceremony cards print|destroy --out ${dir}), or set keep_cards: true in the script; then run again to finish.`,
    );
    expect((await loadState(dir))?.status).toBe('running');
    expect(existsSync(join(dir, 'report.pdf'))).toBe(false);
    const cards = readdirSync(join(dir, 'shares')).sort();
    expect(cards).toEqual(['alice-archer.pdf', 'bob-baker.pdf', 'carol-chen.pdf']);
    const digests = Object.fromEntries(cards.map((c) => [c, sha(join(dir, 'shares', c))]));
    expect(room.offered.map((c) => c.sha256).sort()).toEqual(Object.values(digests).sort());

    // No lp on PATH: print says so and records nothing.
    const before = records(dir).length;
    const print = await runCli(['ceremony', 'cards', 'print', '--out', dir], {
      env: { PATH: '/nonexistent' },
    });
    expect(print.code).toBe(2);
    expect(print.stderr).toMatch(/This machine has no lp \(CUPS\), so the cards were not printed/);
    expect(records(dir)).toHaveLength(before);

    // Without a terminal and without --received, nothing is destroyed.
    const refused = await runCli(['ceremony', 'cards', 'destroy', '--out', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/needs its officer to confirm receipt/);
    expect(readdirSync(join(dir, 'shares'))).toHaveLength(3);

    const one = await runCli([
      'ceremony',
      'cards',
      'destroy',
      '--out',
      dir,
      '--card',
      'Alice Archer',
      '--received',
      '--json',
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(readdirSync(join(dir, 'shares')).sort()).toEqual(['bob-baker.pdf', 'carol-chen.pdf']);
    const rest = await runCli(['ceremony', 'cards', 'destroy', '--out', dir, '--received']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(readdirSync(join(dir, 'shares'))).toEqual([]);
    const destroyed = records(dir).filter((r) => r.type === 'card.destroyed');
    expect(destroyed.map((r) => [r.data.card, r.data.sha256])).toEqual(
      cards.map((c) => [`shares/${c}`, digests[c]]),
    );

    // The officers come back; the run finishes now that no card is left.
    room.confirm = true;
    const summary = await runCeremony({ script, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    expect(summary.outputs.filter((o) => o.startsWith('shares/'))).toEqual([]);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
    expect((await verifyReport(join(dir, 'report.pdf'))).ok).toBe(true);
    // The table wraps each digest over two lines; its first 40 characters stay on one.
    const report = pdfText(join(dir, 'report.pdf')).replace(/\s+/g, ' ');
    for (const d of Object.values(digests)) expect(report).toContain(d.slice(0, 40));
    expect(report).toContain('Every share card was printed, handed to its custodian and destroyed');
    expect(report).not.toMatch(/OLOCUS-SHARE|J5GF-GMI/);
  });

  it('a room whose officers confirm receipt: cards destroyed at the end, the run finishes', async () => {
    const { text, script } = scriptFor('cards-handover', false);
    const dir = join(work, 'handover');
    const room = new CardRoom();
    room.confirm = true;
    await runCeremony({ script, scriptText: text, dir, room });
    expect(readdirSync(join(dir, 'shares'))).toEqual([]);
    const recs = records(dir);
    expect(
      recs.filter((r) => r.type === 'card.destroyed').map((r) => r.data.receipt_confirmed_by),
    ).toEqual(['Alice Archer', 'Bob Baker', 'Carol Chen']);
    expect(recs.findIndex((r) => r.type === 'card.destroyed')).toBeLessThan(
      recs.findIndex((r) => r.type === 'ceremony.finished'),
    );
  });

  it('keep_cards: true keeps them, records their digests, and the report says KEPT', async () => {
    const { text, script } = scriptFor('cards-kept', true);
    const dir = join(work, 'kept');
    const room = new CardRoom();
    await runCeremony({ script, scriptText: text, dir, room });
    expect(room.offered).toEqual([]);
    const kept = records(dir).find((r) => r.type === 'cards.kept');
    const cards = readdirSync(join(dir, 'shares')).sort();
    expect(kept?.data.cards).toEqual(
      cards.map((c, i) => ({
        card: `shares/${c}`,
        custodian: ['Alice Archer', 'Bob Baker', 'Carol Chen'][i],
        sha256: sha(join(dir, 'shares', c)),
      })),
    );
    expect(pdfText(join(dir, 'report.pdf'))).toMatch(
      /3 share card\(s\) were KEPT in the run directory/,
    );
    const finished = await runCli(['ceremony', 'cards', 'destroy', '--out', dir, '--received']);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/is a finished run: its ledger is closed/);
  });
});
