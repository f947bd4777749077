// Whole ceremonies through the command line, as the room runs them: the demo, a real run whose
// officers type their cards, a kill -9 in the middle and the resume, and a rehearsal compared
// with the day.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

const work = mkdtempSync(join(tmpdir(), 'olocus-ceremony-cli-'));
useSoftHsm();

const cli = runCli;

function allFiles(dir: string, skip: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (skip.test(p)) continue;
    if (e.isDirectory()) out.push(...allFiles(p, skip));
    else out.push(p);
  }
  return out;
}

/** What an officer types from the card: each line's groups and its two check characters. */
function cardText(pdf: string): string {
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  return text
    .split('\n')
    .map((l) => /^\s*\d+\s+([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})*)\s+([A-Z2-7]{2})\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}  ${m[2]}`)
    .join('\n');
}

describe('demo', () => {
  const dir = join(work, 'demo');

  it('runs the bundled 3-of-5 ceremony end to end, prints the ledger head, and the ledger verifies', async () => {
    const r = await cli(['demo', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Ledger head\s+[0-9a-f]{64}/);
    expect(r.stdout).toMatch(/In words\s+(\w+ ){31}\w+/);
    for (const f of [
      'audit.jsonl',
      'transcript.json',
      'manifest.json',
      'certificates/root-ca-2026.pem',
      'backup/root-ca-2026.wrapped',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readdirSync(join(dir, 'shares')).filter((f) => f.endsWith('.pdf'))).toHaveLength(10);
    const v = await cli(['verify-audit', join(dir, 'audit.jsonl')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('The ledger verifies');
  });

  it('ends with a signed report and a signed evidence bundle that verify; a changed file is named', async () => {
    const report = await cli(['verify-report', join(dir, 'report.pdf')]);
    expect(report.code, report.stdout + report.stderr).toBe(0);
    expect(report.stdout).toMatch(/The report verifies/);
    const pdfsig = execFileSync('pdfsig', [join(dir, 'report.pdf')], { encoding: 'utf8' });
    expect(pdfsig).toContain('Signature is Valid');
    expect(pdfsig).toContain('Total document signed');
    const manifest = await cli(['verify-manifest', dir]);
    expect(manifest.code, manifest.stdout).toBe(0);
    // A copy of the bundle with one certificate byte changed.
    const copy = join(work, 'demo-copy');
    execFileSync('cp', ['-r', dir, copy]);
    const pem = join(copy, 'certificates', 'root-ca-2026.pem');
    writeFileSync(
      pem,
      readFileSync(pem, 'utf8').replace(/\n[A-Za-z0-9+/]/, (m) => `\n${m[1] === 'A' ? 'B' : 'A'}`),
    );
    const bad = await cli(['verify-manifest', copy]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/certificates\/root-ca-2026\.pem/);
  });

  it('writes the demo PINs only to demo-secrets: no output, state, log or ledger holds them', async () => {
    const pins = ['so-pin', 'user-pin'].map((f) =>
      readFileSync(join(dir, 'demo-secrets', f), 'utf8'),
    );
    for (const p of pins) expect(p).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(join(dir, 'demo-secrets', 'user-pin')).mode & 0o077).toBe(0);
    for (const file of allFiles(dir, /demo-secrets|softhsm/)) {
      const content = readFileSync(file).toString('latin1');
      for (const p of pins) expect(content.includes(p), `${file} holds a PIN`).toBe(false);
    }
  });

  it('refuses to run again into a finished directory, and changes nothing there', async () => {
    const before = readFileSync(join(dir, 'audit.jsonl'));
    const r = await cli(['demo', '--out', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/holds a finished demo; its outputs are never overwritten/);
    expect(readFileSync(join(dir, 'audit.jsonl')).equals(before)).toBe(true);
  });
});

describe('verify-audit on a tampered ledger', () => {
  const lines = () =>
    readFileSync(join(work, 'demo', 'audit.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
  const check = async (name: string, edited: string[]) => {
    const file = join(work, `${name}.jsonl`);
    writeFileSync(file, `${edited.join('\n')}\n`);
    return cli(['verify-audit', file]);
  };

  it('an edited record: exit 1 naming it', async () => {
    const l = lines();
    l[5] = l[5]!.replace('"actor":"Ada Administrator"', '"actor":"Mallory"');
    const r = await check('edited', l);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/does NOT verify: record 5 \(line 6\) is edited/);
  });

  it('two records swapped, and a record removed from the middle: exit 1 naming the first bad one', async () => {
    const l = lines();
    const swapped = [...l];
    [swapped[7], swapped[8]] = [swapped[8]!, swapped[7]!];
    const r1 = await check('reordered', swapped);
    expect(r1.code).toBe(1);
    expect(r1.stdout).toMatch(/record 8 \(line 8\) is (reordered|missing)/);
    const r2 = await check('cut', [...l.slice(0, 10), ...l.slice(11)]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/record \d+ \(line 11\) is missing/);
  });

  it('a torn last line (a crash mid-append) is reported as such, keeping every complete record', async () => {
    const l = lines();
    const torn = join(work, 'torn.jsonl');
    writeFileSync(torn, `${l.join('\n')}\n${l[3]!.slice(0, 40)}`);
    const r = await cli(['verify-audit', torn, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { tornTail: { keptRecords: number } };
    expect(out.tornTail.keptRecords).toBe(l.length);
  });
});

describe('interrupted demo', () => {
  it('killed with -9 during the ceremony, it resumes after the last completed step and nothing is done twice', async () => {
    const dir = join(work, 'killed');
    const first = await cli(['demo', '--out', dir], { killWhen: /Step 3 of 5/ });
    expect(first.code).toBe(-9);
    const again = await cli(['demo', '--out', dir]);
    expect(again.code, again.stderr).toBe(0);
    const ledger = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    expect(ledger.filter((r) => r.type === 'ceremony.resumed')).toHaveLength(1);
    expect(
      ledger.filter((r) => r.type === 'key.generated' && r.data.label === 'root-ca-2026'),
    ).toHaveLength(1);
    const v = await cli(['verify-audit', join(dir, 'audit.jsonl')]);
    expect(v.code, v.stdout).toBe(0);
    const keys = await cli(
      [
        'keys',
        'list',
        '--json',
        '--hsm',
        `pkcs11:token=olocus-root-2026?module-path=${SOFTHSM_MODULE}&pin-source=file:${join(dir, 'demo-secrets', 'user-pin')}`,
      ],
      {
        env: { SOFTHSM2_CONF: join(dir, 'softhsm', 'softhsm2.conf') },
      },
    );
    expect(keys.code, keys.stderr).toBe(0);
    const labels = (JSON.parse(keys.stdout) as { keys: { label: string }[] }).keys.map(
      (k) => k.label,
    );
    expect(labels.filter((l) => l === 'root-ca-2026')).toHaveLength(2); // one key pair
  });
});

describe('a run with officers typing their cards', () => {
  const script = join(work, 'ceremony.yaml');
  const dir = join(work, 'run');
  writeFileSync(
    script,
    readFileSync(join(ROOT, 'resources/ceremonies/root-ca.yaml'), 'utf8').replace(
      /module-path=[^'"]+/,
      `module-path=${SOFTHSM_MODULE}`,
    ),
  );

  it('stops cleanly when no shares are presented, then resumes; a wrong share is refused naming its officer', async () => {
    const first = await cli([
      'ceremony',
      'run',
      script,
      '--out',
      dir,
      '--witness',
      'Walter Witness',
    ]);
    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(
      /0 of 3 shares presented for logging in to the ceremony token; 3 more custodians needed/,
    );

    const typed = (who: string) => {
      const f = join(work, `${who}.txt`);
      writeFileSync(f, cardText(join(dir, 'shares', `${who}.pdf`)));
      return f;
    };
    // Bob's card with one character changed: the line check catches the typo and names the line.
    const bobText = cardText(join(dir, 'shares', 'bob-baker.pdf'));
    const typo = join(work, 'bob-typo.txt');
    writeFileSync(
      typo,
      bobText.replace(/^(\w{4}-)(\w)/m, (_, a: string, c: string) => a + (c === 'A' ? 'B' : 'A')),
    );

    const second = await cli([
      'ceremony',
      'run',
      script,
      '--out',
      dir,
      '--witness',
      'Walter Witness',
      '--share',
      `Bob Baker=${typo}`,
      '--share',
      `Alice Archer=${typed('alice-archer')}`,
      '--share',
      `Carol Chen=${typed('carol-chen')}`,
      '--share',
      `Erin Evans=${typed('erin-evans')}`,
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /refused: Bob Baker's share was refused: Line 1 of the share does not match its check characters/,
    );
    const ledger = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    expect(ledger).toMatch(/"custodian":"Bob Baker".*"type":"share\.refused"/);
    expect((await cli(['verify-audit', join(dir, 'audit.jsonl')])).code).toBe(0);
  });

  it('a drill of all five cards passes and is signed; with a mistyped card it fails naming that officer', async () => {
    const officers = ['alice-archer', 'bob-baker', 'carol-chen', 'dave-diaz', 'erin-evans'];
    const names = ['Alice Archer', 'Bob Baker', 'Carol Chen', 'Dave Diaz', 'Erin Evans'];
    const args = officers.flatMap((o, i) => {
      const f = join(work, `drill-${o}.txt`);
      writeFileSync(f, cardText(join(dir, 'shares', `${o}.pdf`)));
      return ['--share', `${names[i]}=${f}`];
    });
    const good = await cli(['ceremony', 'drill', dir, ...args]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('(signed by the audit key)');
    const bad = await cli([
      'ceremony',
      'drill',
      dir,
      ...args.map((a) => a.replace(/drill-bob-baker\.txt$/, 'bob-typo.txt')),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /FAIL {2}Bob Baker: the card presented could not be read: Line 1 of the share/,
    );
  });
});

describe('rehearse and compare', () => {
  it('a rehearsal writes the expected transcript; a run that diverges stops at that step with a clear message', async () => {
    const reh = join(work, 'rehearsal');
    const r = await cli([
      'ceremony',
      'rehearse',
      'resources/ceremonies/root-ca.yaml',
      '--out',
      reh,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const transcript = JSON.parse(readFileSync(join(reh, 'transcript.json'), 'utf8')) as {
      steps: { id: string; expected: { key?: { type: string } } }[];
    };
    expect(transcript.steps.map((s) => s.id)).toEqual([
      'init-token',
      'root-key',
      'root-cert',
      'backup',
      'fingerprints-read',
    ]);
    // Fingerprints, serials and ids differ on the day; the transcript holds none of them.
    expect(JSON.stringify(transcript.steps)).not.toMatch(/[0-9a-f]{32}/);

    // The day's script generates a P-256 key where the rehearsal had P-384.
    const day = join(work, 'day.yaml');
    writeFileSync(
      day,
      readFileSync(join(ROOT, 'resources/ceremonies/root-ca.yaml'), 'utf8')
        .replace('type: ec-p384', 'type: ec-p256')
        .replace(/module-path=[^'"]+/, `module-path=${SOFTHSM_MODULE}`)
        .replace('token=olocus-root-2026', 'token=olocus-day'),
    );
    const run = await cli([
      'ceremony',
      'run',
      day,
      '--out',
      join(work, 'day'),
      '--witness',
      'Walter Witness',
      '--expect',
      join(reh, 'transcript.json'),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /Step 2 \("root-key"\) diverges from the rehearsal: key\.type: rehearsed "ec-p384", the script now says "ec-p256"\. The run stops here; nothing of this step was done\./,
    );
  });
});
