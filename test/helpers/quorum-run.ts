// A finished ceremony run directory whose officers hold a 2-of-3 split of its token PINs, and
// their share cards as files: what `keys schedule-destroy --run DIR --share NAME=FILE` reads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitSecret, toShareText } from '../../src/main/ceremony/quorum/index';
import { RUN_FORMAT, saveState } from '../../src/main/ceremony/run/state';

export const OFFICERS = ['Alice Archer', 'Bob Baker', 'Carol Chen'] as const;

export interface QuorumRun {
  dir: string;
  /** NAME=FILE for each officer, in OFFICERS order. */
  shareFlags: string[];
  /** A card for Bob Baker from another split: the right shape, the wrong share. */
  forgedFlag: string;
}

export async function makeQuorumRun(root: string, ceremonyId = 'quorum-run'): Promise<QuorumRun> {
  const dir = join(root, ceremonyId);
  const split = await splitSecret(new Uint8Array(32).fill(11), {
    ceremonyId,
    secretId: 'token-pins',
    threshold: 2,
    custodians: [...OFFICERS],
  });
  await saveState(dir, {
    format: RUN_FORMAT,
    mode: 'run',
    ceremonyId,
    scriptSha256: '0'.repeat(64),
    status: 'finished',
    startedAt: new Date().toISOString(),
    secrets: {
      'token-pins': {
        threshold: 2,
        total: 3,
        custodians: [...OFFICERS],
        commitments: split.commitments,
        secretCommitment: split.secretCommitment,
      },
    },
    keys: {},
    steps: [],
  });
  const shareFlags = split.shares.map((s, i) => {
    const file = join(root, `${ceremonyId}-share-${i + 1}.txt`);
    writeFileSync(file, toShareText(s), { mode: 0o600 });
    return `${s.custodian}=${file}`;
  });
  const other = await splitSecret(new Uint8Array(32).fill(12), {
    ceremonyId,
    secretId: 'token-pins',
    threshold: 2,
    custodians: [...OFFICERS],
  });
  const forged = join(root, `${ceremonyId}-forged.txt`);
  writeFileSync(forged, toShareText(other.shares[1]!), { mode: 0o600 });
  return { dir, shareFlags, forgedFlag: `Bob Baker=${forged}` };
}
