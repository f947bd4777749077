// A transfer ledger (declared unsigned) is never a ceremony's ledger: a ceremony interrupted and
// then found holding one refuses to resume, says why, and leaves the file as it was.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/main/audit/index';
import { runCli } from '../helpers/cli';
import { useSoftHsm } from '../helpers/softhsm';

const work = mkdtempSync(join(tmpdir(), 'olocus-transfer-ceremony-'));
useSoftHsm();

describe('a ceremony resume on an unsigned ledger', { timeout: 180_000 }, () => {
  it('is refused with a sentence naming the declaration; the ledger is not touched', async () => {
    const dir = join(work, 'killed');
    const first = await runCli(['demo', '--out', dir], { killWhen: /Step 3 of 5/ });
    expect(first.code).toBe(-9);
    // The ceremony's ledger swapped for one that declares it has no audit key.
    const ledgerPath = join(dir, 'audit.jsonl');
    rmSync(ledgerPath);
    const swapped = await Ledger.create(ledgerPath, {
      ceremonyId: 'root-2026',
      actor: 'mallory',
      signer: null,
      data: { head_signatures: 'none' },
    });
    await swapped.close();
    const before = readFileSync(ledgerPath);

    const again = await runCli(['demo', '--out', dir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(
      'with an audit signer: its record 0 declares that it has no audit key and is never signed, so it is not a ceremony',
    );
    expect(readFileSync(ledgerPath).equals(before)).toBe(true);
  });
});
