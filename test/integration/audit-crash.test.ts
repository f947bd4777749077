// Crash safety of the audit ledger, for real: a child process appends in a loop and is killed
// with SIGKILL at random moments, 30 times on one ledger. Every record the child acknowledged
// (after fsync) must still be there, verified, after every kill and at the end.
//
// SIGKILL cannot tear a single write(2) to a regular file, which is how the ledger writes a
// line, so some rounds also leave a torn line behind as a power cut would (a prefix of the next
// record) to exercise recovery on the same ledger in the same loop.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Ledger,
  encodeRecord,
  softwareSigner,
  verifyLedger,
  type LedgerRecord,
} from '../../src/main/audit';

const ROOT = resolve(import.meta.dirname, '../..');
const WRITER = join(ROOT, 'test/helpers/ledger-writer.ts');
const KILLS = 30;

const dir = mkdtempSync(join(tmpdir(), 'olocus-audit-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  acks: Array<[number, string]>;
  ready: { length: number; tornBytes: number } | null;
  stderr: string;
  exitedByItself: boolean;
}

/** Starts the writer and SIGKILLs it at a random moment (mostly mid-append, sometimes mid-open). */
async function killRound(path: string, keyFile: string): Promise<Round> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, keyFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const round: Round = { acks: [], ready: null, stderr: '', exitedByItself: false };
  let buffered = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const [word, a, b] = buffered.slice(0, nl).split(' ');
      buffered = buffered.slice(nl + 1);
      if (word === 'ack') round.acks.push([Number(a), b!]);
      if (word === 'ready') {
        round.ready = { length: Number(a), tornBytes: Number(b) };
        onReady();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (round.stderr += c));
  let killed = false;
  const exited = new Promise<void>((r) =>
    child.on('exit', () => {
      round.exitedByItself = !killed;
      onReady();
      r();
    }),
  );
  if (Math.random() < 0.15)
    await sleep(Math.random() * 300); // during start-up or Ledger.open
  else await Promise.race([ready.then(() => sleep(Math.random() * 150)), sleep(5000)]);
  killed = true;
  child.kill('SIGKILL');
  await exited;
  return round;
}

/** A prefix of a plausible next record, as a power cut mid-write could leave it. */
function tearTail(path: string): number {
  const last = readFileSync(path, 'utf8').trimEnd().split('\n').at(-1)!;
  const { hash, seq } = JSON.parse(last) as LedgerRecord;
  const { line } = encodeRecord({
    actor: 'crash-writer',
    data: { torn: true },
    prev: hash,
    seq: seq + 1,
    step: null,
    time: new Date().toISOString(),
    type: 'test.tick',
  });
  const cut = 1 + Math.floor(Math.random() * (line.length - 1));
  appendFileSync(path, line.slice(0, cut));
  return cut;
}

describe('audit ledger under SIGKILL', () => {
  it(`keeps every acknowledged record across ${KILLS} kills and resumes the chain`, async () => {
    const path = join(dir, 'audit.jsonl');
    const keyFile = join(dir, 'audit-key.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const signer = softwareSigner(privateKey);
    await (await Ledger.create(path, { ceremonyId: 'crash', actor: 'test', signer })).close();

    const acked = new Map<number, string>();
    let tears = 0;
    let lastVerified = 1;
    for (let k = 0; k < KILLS; k++) {
      const round = await killRound(path, keyFile);
      expect(round.exitedByItself, `writer exited by itself: ${round.stderr}`).toBe(false);
      if (round.ready) expect(round.ready.length).toBeGreaterThanOrEqual(lastVerified);
      for (const [seq, hash] of round.acks) acked.set(seq, hash);

      const result = await verifyLedger(path);
      expect(
        result.ok || result.firstBad?.reason === 'torn-tail',
        JSON.stringify(result.firstBad),
      ).toBe(true);
      const lines = readFileSync(path, 'utf8').split('\n');
      for (const [seq, hash] of round.acks) {
        expect(seq, `acknowledged record ${seq} is beyond the verified records`).toBeLessThan(
          result.records,
        );
        expect((JSON.parse(lines[seq]!) as LedgerRecord).hash).toBe(hash);
      }
      lastVerified = result.records;
      if (k % 4 === 1 && result.ok) {
        tearTail(path);
        tears++;
        const torn = await verifyLedger(path);
        expect(torn.firstBad?.reason).toBe('torn-tail');
        expect(torn.records).toBe(result.records);
      }
    }

    // The last resume is ours: recover whatever the last kill left, continue, sign, verify.
    const { ledger } = await Ledger.open(path, { signer, actor: 'test' });
    const resumedAt = ledger.length;
    const next = await ledger.append({
      actor: 'test',
      step: null,
      type: 'test.done',
      data: { acked: acked.size },
    });
    expect(next.seq).toBe(resumedAt);
    await ledger.signHead({ actor: 'test', step: null });
    await ledger.close();

    const final = await verifyLedger(path);
    expect(final.firstBad).toBeUndefined();
    expect(final).toMatchObject({ ok: true, unsignedTail: 0, lastSignedSeq: resumedAt });
    const records = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as LedgerRecord);
    for (const [seq, hash] of acked) expect(records[seq]?.hash).toBe(hash);
    expect(acked.size).toBeGreaterThan(KILLS);
    const recoveries = records.filter((r) => r.type === 'ledger.recovered').length;
    expect(recoveries).toBeGreaterThanOrEqual(tears);
    expect(
      readdirSync(dir).filter((f) => f.startsWith('audit.jsonl.torn-')).length,
    ).toBeGreaterThanOrEqual(tears);
    console.log(
      `audit crash: ${KILLS} kills, ${records.length} records, ${acked.size} acknowledged, ${final.signaturesChecked} signatures, ${recoveries} torn tails recovered (${tears} injected)`,
    );
  }, 60_000);
});
