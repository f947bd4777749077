// One writer per run directory and per ledger, through the built command line: two demos started
// together on one --out, a transfer ledger appended to a ceremony's audit.jsonl while that
// ceremony runs, and a ceremony killed with -9 whose locks the next run takes over.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-one-writer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI (out/, `npm run build`), as an installed olocus-ceremony runs. */
function start(args: string[]): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/olocus-ceremony.js'), ...args], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: signal ? -9 : code, stdout, stderr }));
  });
  return { child, done };
}
const cli = (args: string[]) => start(args).done;

const HOLDER =
  /is in use by process (\d+) on [^ ]+ \(olocus-ceremony [a-z -]+, since [0-9T:.-]+Z\); a second writer is refused/;

describe('two processes on one run directory', () => {
  it('started together ten times: exactly one runs, the other exits 2 naming it, and the ledger verifies', async () => {
    for (let round = 0; round < 10; round++) {
      const out = join(work, `demo-${round}`);
      const [a, b] = await Promise.all([cli(['demo', '--out', out]), cli(['demo', '--out', out])]);
      const codes = [a.code, b.code].sort();
      expect(codes, `round ${round}: ${a.stderr}\n${b.stderr}`).toEqual([0, 2]);
      const loser = a.code === 2 ? a : b;
      expect(loser.stderr).toMatch(HOLDER);
      expect(loser.stderr.trim().split('\n')).toHaveLength(1);
      const v = await cli(['verify-audit', join(out, 'audit.jsonl'), '--json']);
      expect(v.code, v.stdout).toBe(0);
      // The winner released its locks; nothing of them is left or listed in the manifest.
      expect(readdirSync(out).filter((f) => f.includes('.lock'))).toEqual([]);
      expect(readFileSync(join(out, 'manifest.json'), 'utf8')).not.toContain('.lock');
    }
  }, 240_000);
});

// A ceremony that stops at its first quorum: the share is read from a FIFO, so the run holds its
// locks, blocked, until the test writes the card into it.
function pauseScript(tag: string): string {
  const script = join(work, `${tag}.yaml`);
  writeFileSync(
    script,
    `version: 1
ceremony: { id: one-writer, name: One writer, location: Lab }
hsm: { uri: 'pkcs11:token=one-writer-${tag}?module-path=${SOFTHSM_MODULE}' }
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
  witnesses: [Walter Witness]
quorum: { threshold: 2 }
keep_cards: true
steps:
  - { id: init, type: token.initialize }
  - { id: gen, type: key.generate, key: { label: signer, type: ec-p256 } }
`,
  );
  return script;
}

function cardText(pdf: string): string {
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*\d+\s+([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})*)\s+([A-Z2-7]{2})\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}  ${m[2]}`)
    .join('\n');
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A run started on `dir`, paused reading Alice's share from a FIFO (locks held). */
async function pausedRun(dir: string, tag: string) {
  const script = pauseScript(tag);
  const first = await cli(['ceremony', 'run', script, '--out', dir]);
  expect(first.code, first.stderr).toBe(3); // stops at the quorum: no shares given
  const alice = join(work, `${tag}-alice.fifo`);
  execFileSync('mkfifo', [alice]);
  const bob = join(work, `${tag}-bob.txt`);
  writeFileSync(bob, cardText(join(dir, 'shares', 'bob-baker.pdf')));
  const run = start([
    'ceremony',
    'run',
    script,
    '--out',
    dir,
    '--witness',
    'Walter Witness',
    '--share',
    `Alice Archer=${alice}`,
    '--share',
    `Bob Baker=${bob}`,
  ]);
  await waitFor(() => existsSync(join(dir, 'audit.jsonl.lock')), 'the ledger lock');
  // Holding the lock is not yet paused: the run still writes ceremony.resumed and the step it
  // resumes before it blocks on the FIFO (seconds later on a loaded machine).
  await waitFor(() => {
    const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trimEnd().split('\n');
    return (
      lines.some((l) => l.includes('"type":"ceremony.resumed"')) &&
      lines.at(-1)!.includes('"type":"step.started"')
    );
  }, 'the resumed run to reach the step that reads the shares');
  return { run, alice, script, aliceCard: cardText(join(dir, 'shares', 'alice-archer.pdf')) };
}

describe('a transfer ledger appended to a running ceremony', () => {
  it('is refused with exit 2 naming the ceremony, ten times; the ceremony finishes and its ledger verifies', async () => {
    const dir = join(work, 'paused');
    const { run, alice, script, aliceCard } = await pausedRun(dir, 'paused');
    const ledger = join(dir, 'audit.jsonl');
    const before = readFileSync(ledger);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () =>
        cli([
          'migrate',
          '--from',
          `pkcs11:token=nowhere;object=k;type=private?module-path=${SOFTHSM_MODULE}`,
          '--to',
          `pkcs11:token=elsewhere?module-path=${SOFTHSM_MODULE}`,
          '--ledger',
          ledger,
        ]),
      ),
    );
    for (const m of attempts) {
      expect(m.code, m.stderr).toBe(2);
      expect(m.stderr).toMatch(HOLDER);
      expect(m.stderr).toContain(`(olocus-ceremony ceremony run`);
      expect(Number(HOLDER.exec(m.stderr)![1])).toBe(run.child.pid);
    }
    // A second ceremony run on the directory is refused the same way.
    const second = await cli(['ceremony', 'run', script, '--out', dir]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `The run directory ${dir} is in use by process ${run.child.pid}`,
    );
    expect(readFileSync(ledger).equals(before)).toBe(true);

    writeFileSync(alice, aliceCard);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const v = await cli(['verify-audit', ledger]);
    expect(v.code, v.stdout).toBe(0);
    expect(readFileSync(ledger, 'utf8')).not.toContain('transfer.');
  }, 120_000);
});

describe('a writer killed with -9', () => {
  it('leaves stale locks that the next run takes over and records in the ledger', async () => {
    const dir = join(work, 'killed');
    const { run, alice, script, aliceCard } = await pausedRun(dir, 'killed');
    const pid = run.child.pid!;
    run.child.kill('SIGKILL');
    expect((await run.done).code).toBe(-9);
    expect(existsSync(join(dir, 'run.lock'))).toBe(true);
    expect(existsSync(join(dir, 'audit.jsonl.lock'))).toBe(true);

    rmSync(alice); // nobody reads the FIFO now: Alice's card becomes a plain file
    writeFileSync(alice, aliceCard);
    const again = await cli([
      'ceremony',
      'run',
      script,
      '--out',
      dir,
      '--witness',
      'Walter Witness',
      '--share',
      `Alice Archer=${alice}`,
    ]);
    // Alice's card alone is one share of two: the run takes the locks, notes them, then waits.
    expect(again.code).toBe(3);
    const records = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    const note = records.find((r) => r.type === 'ledger.lock_taken_over');
    expect(note?.data).toMatchObject({ pid, command: 'olocus-ceremony ceremony run' });
    const resumed = records.filter((r) => r.type === 'ceremony.resumed').at(-1);
    expect(resumed?.data.run_lock_taken_over).toMatchObject({ pid });
    // The dead holder's lock files are kept as evidence; the live ones are gone.
    const left = readdirSync(dir).filter((f) => f.includes('.lock'));
    expect(left.filter((f) => /^run\.lock\.stale-\d+$/.test(f))).toHaveLength(1);
    expect(left.filter((f) => /^audit\.jsonl\.lock\.stale-\d+$/.test(f))).toHaveLength(1);
    expect(left).not.toContain('run.lock');
    const v = await cli(['verify-audit', join(dir, 'audit.jsonl')]);
    expect(v.code, v.stdout).toBe(0);
  }, 120_000);
});
