// What a verification proves, through the built CLI on a real demo run: whether the ledger is
// complete or cut, what pins the audit key (the run's signed report, a given fingerprint, or
// nothing, said as such), and what the report's signer chains to. Bad inputs: a cut ledger, a
// ledger re-signed under another key, a report signed by a foreign certificate, a foreign root.
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner } from '../../src/main/audit';
import { buildReport, softwareReportSigner } from '../../src/main/report';
import { ROOT } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'olocus-verdict-'));
const run = join(work, 'run');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/olocus-ceremony.js'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Verdict {
  ok: boolean;
  firstBad?: { reason: string; seq: number; message: string };
  completeness: { complete: boolean; lastSeq: number; lastType: string; message: string };
  requireComplete: boolean;
  source: { kind: string };
  anchor: { kind: string; pinned: boolean; failed: boolean; keyFingerprint: string | null };
  auditKey: { fingerprint_sha256: string } | null;
}
const json = async (args: string[]) => {
  const r = await cli([...args, '--json']);
  return { code: r.code, v: JSON.parse(r.stdout) as Verdict };
};

/** A copy of the finished run, private as a run directory is, for one test to damage. */
function copyRun(name: string): string {
  const dir = join(work, name);
  cpSync(run, dir, { recursive: true });
  return dir;
}
const lines = (p: string) => readFileSync(p, 'utf8').trim().split('\n');

let auditFp: string;
beforeAll(async () => {
  const r = await cli(['demo', '--out', run]);
  expect(r.code, r.stderr).toBe(0);
  auditFp = (
    JSON.parse(lines(join(run, 'audit.jsonl'))[0]!) as {
      data: { audit_key: { fingerprint_sha256: string } };
    }
  ).data.audit_key.fingerprint_sha256;
}, 60_000);

describe('verify-audit on a finished run', () => {
  it('the run directory: complete, and the audit key pinned by the signed report', async () => {
    const { code, v } = await json(['verify-audit', run]);
    expect(code).toBe(0);
    expect(v.source.kind).toBe('run-directory');
    expect(v.requireComplete).toBe(true);
    expect(v.completeness.complete).toBe(true);
    expect(v.anchor).toMatchObject({ kind: 'report', pinned: true, keyFingerprint: auditFp });
    const text = await cli(['verify-audit', run]);
    expect(text.stdout).toMatch(
      /The ledger is complete: it ends with ceremony\.finished \(record \d+\) and a head signature over it \(record \d+\)\./,
    );
    expect(text.stdout).toMatch(
      /Pinned by the run’s signed report\.pdf: its signature chains to root CN=Olocus Example Root CA 2026.*which the ceremony's ledger records as issued at record \d+/,
    );
  });

  it('the bare ledger file verifies but says, in so many words, that nothing pins its key', async () => {
    const text = await cli(['verify-audit', join(run, 'audit.jsonl')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Key anchor');
    expect(text.stdout).toContain(
      'NOT PINNED: nothing outside this ledger says which audit key should have signed it',
    );
    const pinned = await json([
      'verify-audit',
      join(run, 'audit.jsonl'),
      '--key-fingerprint',
      auditFp,
    ]);
    expect(pinned.code).toBe(0);
    expect(pinned.v.anchor).toMatchObject({ kind: 'key-fingerprint', pinned: true });
  });

  it('the report PDF: its embedded ledger is complete and pinned by its signature', async () => {
    const { code, v } = await json(['verify-audit', join(run, 'report.pdf')]);
    expect(code).toBe(0);
    expect(v.source.kind).toBe('report');
    expect(v.completeness.complete).toBe(true);
    expect(v.anchor).toMatchObject({ kind: 'report', pinned: true, keyFingerprint: auditFp });
  });
});

describe('a ledger cut after a signed head', () => {
  it('alone: verifies as a prefix, but says where it ends; --require-complete exits 1', async () => {
    const all = lines(join(run, 'audit.jsonl'));
    // Cut right after a chain.signed record in the middle: the hardest cut to see.
    const at = all.findIndex((l, i) => i > 5 && l.includes('"type":"chain.signed"'));
    const cut = join(work, 'cut.jsonl');
    writeFileSync(cut, `${all.slice(0, at + 1).join('\n')}\n`);
    const loose = await json(['verify-audit', cut]);
    expect(loose.code).toBe(0);
    expect(loose.v.completeness).toMatchObject({
      complete: false,
      lastSeq: at,
      lastType: 'chain.signed',
    });
    const text = await cli(['verify-audit', cut]);
    expect(text.stdout).toContain(`The ledger ends early, after record ${at} (chain.signed`);
    const strict = await json(['verify-audit', cut, '--require-complete']);
    expect(strict.code).toBe(1);
    expect(strict.v.firstBad).toMatchObject({ reason: 'incomplete', seq: at });
    const strictText = await cli(['verify-audit', cut, '--require-complete']);
    expect(strictText.stdout).toContain(
      `The ledger does NOT verify: record ${at} (line ${at + 1}) is incomplete: The ledger ends early`,
    );
  });

  it('in its run directory: exit 1, the report pins the head it must end at', async () => {
    const dir = copyRun('cut-run');
    const all = lines(join(dir, 'audit.jsonl'));
    writeFileSync(join(dir, 'audit.jsonl'), `${all.slice(0, -2).join('\n')}\n`);
    const { code, v } = await json(['verify-audit', dir]);
    expect(code).toBe(1);
    expect(v.firstBad?.reason).toBe('head-mismatch');
    expect(v.completeness.complete).toBe(false);
    // --allow-incomplete does not excuse a ledger that is not the one the report signed.
    expect((await json(['verify-audit', dir, '--allow-incomplete'])).code).toBe(1);
  });

  it('without a report or manifest (an unfinished run): the default still fails a cut ledger', async () => {
    const dir = copyRun('cut-unfinished');
    rmSync(join(dir, 'report.pdf'));
    rmSync(join(dir, 'manifest.json'));
    const all = lines(join(dir, 'audit.jsonl'));
    writeFileSync(join(dir, 'audit.jsonl'), `${all.slice(0, -2).join('\n')}\n`);
    const { code, v } = await json(['verify-audit', dir]);
    expect(code).toBe(1);
    expect(v.firstBad?.reason).toBe('incomplete');
    expect(v.anchor).toMatchObject({ kind: 'none', pinned: false });
    expect((await json(['verify-audit', dir, '--allow-incomplete'])).code).toBe(0);
  });
});

describe('a ledger re-signed throughout by another key', () => {
  async function forged(dir: string): Promise<void> {
    rmSync(join(dir, 'audit.jsonl'));
    const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
    const l = await Ledger.create(join(dir, 'audit.jsonl'), {
      ceremonyId: 'root-ca-2026',
      actor: 'Mallory',
      signer,
    });
    await l.append({ actor: 'Mallory', step: null, type: 'ceremony.finished', data: {} });
    await l.signHead({ actor: 'Mallory', step: null });
    await l.close();
  }

  it('is refused in its run directory (key pinned by the report), and unpinned alone', async () => {
    const dir = copyRun('forged');
    await forged(dir);
    const { code, v } = await json(['verify-audit', dir]);
    expect(code).toBe(1);
    expect(v.firstBad?.reason).toBe('key-mismatch');
    // Alone it is a valid, complete ledger: the verdict says nothing pins it.
    const alone = await json(['verify-audit', join(dir, 'audit.jsonl'), '--require-complete']);
    expect(alone.code).toBe(0);
    expect(alone.v.anchor).toMatchObject({ kind: 'none', pinned: false });
    const withFp = await json([
      'verify-audit',
      join(dir, 'audit.jsonl'),
      '--key-fingerprint',
      auditFp,
    ]);
    expect(withFp.code).toBe(1);
    expect(withFp.v.firstBad?.reason).toBe('key-mismatch');
  });
});

describe('verify-report: what the signer chains to', () => {
  const rootPem = () => join(run, 'certificates', 'root-ca-2026.pem');

  it("says the ceremony's root, and accepts it given with --root", async () => {
    const r = await cli(['verify-report', join(run, 'report.pdf')]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /the signer chains to root CN=Olocus Example Root CA 2026.*records as issued at record \d+/,
    );
    const given = await cli(['verify-report', join(run, 'report.pdf'), '--root', rootPem()]);
    expect(given.code, given.stdout).toBe(0);
    expect(given.stdout).toContain(', the root given;');
  });

  it('refuses when --root names another root, saying both', async () => {
    const other = join(work, 'other-root.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(work, 'other-root.key'),
        '-out',
        other,
        '-subj',
        '/CN=Somebody Else Root',
        '-days',
        '30',
      ],
      { stdio: 'pipe' },
    );
    const r = await cli(['verify-report', join(run, 'report.pdf'), '--root', other]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /certificate-chain: The signing certificate chains to root CN=Olocus Example Root CA 2026.*\(SHA-256 [0-9a-f]{64}\), not to the root given \(CN=Somebody Else Root, SHA-256 [0-9a-f]{64}\)\./,
    );
  });

  it('refuses a report over the same run signed by a foreign certificate', async () => {
    const dir = copyRun('foreign');
    const signer = await softwareReportSigner(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      { ceremonyId: 'root-ca-2026' },
    );
    const built = await buildReport(dir, { signer });
    const pdf = join(work, 'foreign.pdf');
    writeFileSync(pdf, built.pdf);
    const r = await cli(['verify-report', pdf]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "certificate-chain: The signing certificate is self-signed and the embedded ledger does not name it as this ceremony's report signer: it is not the ceremony's.",
    );
    expect(r.stdout).toMatch(
      /The signer chains to nothing: the signing certificate CN=.* is self-signed\./,
    );
    // verify-audit on that report: the anchor failed, so exit 1 even though its ledger verifies.
    const a = await json(['verify-audit', pdf]);
    expect(a.code).toBe(1);
    expect(a.v.anchor).toMatchObject({ kind: 'report', pinned: false, failed: true });
  });

  it("refuses a report whose embedded ledger was cut before the ceremony's end", async () => {
    const dir = copyRun('cut-report');
    const all = lines(join(dir, 'audit.jsonl'));
    writeFileSync(join(dir, 'audit.jsonl'), `${all.slice(0, -3).join('\n')}\n`);
    const signer = await softwareReportSigner(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      { ceremonyId: 'root-ca-2026' },
    );
    const pdf = join(work, 'cut-report.pdf');
    writeFileSync(pdf, (await buildReport(dir, { signer })).pdf);
    const r = await cli(['verify-report', pdf]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /embedded-ledger: The embedded ledger does not verify: The ledger ends early, after record \d+/,
    );
  });
});
