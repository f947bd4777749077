// sign-batch through the command line, on a group of three SoftHSM tokens holding the same RSA
// key: every file signed once, the manifest names the member that signed each, a kill -9 mid-batch
// is resumed without rewriting anything, the tokens vanishing mid-batch stop it resumably, and
// bad inputs are refused before anything is written.
import { createHash, createPublicKey, verify } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { readLedgerRecords } from '../../src/main/audit/record-reader';
import { runCli } from '../helpers/cli';
import { groupTokens } from '../helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const LABELS = ['sb-a', 'sb-b', 'sb-c', 'sb-odd'];
const g = groupTokens(LABELS);
const key = makeKeyPair('rsa-3072');
const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
let anchor: Pkcs11Provider;

function config(name: string, members: string[]): string {
  const path = join(g.work, `${name}.yaml`);
  const uri = (l: string) => g.uris[LABELS.indexOf(l)]!;
  writeFileSync(
    path,
    [
      'hsm:',
      '  provider: softhsm',
      'cluster:',
      '  name: signers',
      `  primary: "${uri(members[0]!)}"`,
      '  backups:',
      ...members.slice(1).map((m) => `    - "${uri(m)}"`),
      '  failover_threshold: 2',
    ].join('\n'),
  );
  return path;
}

function inputs(name: string, n: number): string {
  const dir = join(g.work, name);
  mkdirSync(dir);
  for (let i = 0; i < n; i++)
    writeFileSync(join(dir, `doc-${String(i).padStart(4, '0')}.txt`), `document ${name} ${i}\n`);
  return dir;
}

const verifies = (data: Buffer, sig: Buffer) =>
  verify('sha256', data, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);

function snapshot(out: string): Map<string, { ino: number; mtimeMs: number; bytes: string }> {
  const m = new Map<string, { ino: number; mtimeMs: number; bytes: string }>();
  for (const f of readdirSync(out).filter((f) => f.endsWith('.sig'))) {
    const st = statSync(join(out, f));
    m.set(f, {
      ino: st.ino,
      mtimeMs: st.mtimeMs,
      bytes: readFileSync(join(out, f)).toString('hex'),
    });
  }
  return m;
}

interface Manifest {
  entries: { file: string; sha256: string; signature: string; member: string | null }[];
  publicKey: string;
}

function checkAll(inDir: string, out: string): Manifest {
  const manifestBytes = readFileSync(join(out, 'batch-manifest.json'));
  expect(verifies(manifestBytes, readFileSync(join(out, 'batch-manifest.json.sig')))).toBe(true);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  const files = readdirSync(inDir).sort();
  expect(manifest.entries.map((e) => e.file)).toEqual(files);
  for (const e of manifest.entries) {
    const data = readFileSync(join(inDir, e.file));
    const sig = readFileSync(join(out, `${e.file}.sig`));
    expect(createHash('sha256').update(data).digest('hex')).toBe(e.sha256);
    expect(sig.toString('base64')).toBe(e.signature);
    expect(verifies(data, sig), e.file).toBe(true);
  }
  return manifest;
}

beforeAll(async () => {
  anchor = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: 'sb-a' } });
  for (const t of ['sb-a', 'sb-b', 'sb-c']) importKeyPair(t, '314159', 'batch-key', key);
  importKeyPair('sb-odd', '314159', 'batch-key', makeKeyPair('rsa-2048'));
});
afterAll(() => anchor.close());

describe('sign-batch', () => {
  it('signs a directory over three members; the manifest names who signed each; a rerun writes nothing', async () => {
    const cfg = config('three', ['sb-a', 'sb-b', 'sb-c']);
    const inDir = inputs('plain', 30);
    const out = join(g.work, 'plain-out');
    const r = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in-dir',
      inDir,
      '--out-dir',
      out,
      '--json',
    ]);
    expect(r.stderr).toMatch(/"progress":\{"total":30,"done":30,"signed":30/);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      signed: number;
      members: { name: string; signed: number; share: number }[];
    };
    expect(doc.signed).toBe(30);
    // 30 files and the manifest: round-robin gives each member its third.
    expect(doc.members.map((m) => m.name)).toEqual(['sb-a', 'sb-b', 'sb-c']);
    expect(doc.members.map((m) => m.signed).sort()).toEqual([10, 10, 11]);
    const manifest = checkAll(inDir, out);
    const per = new Map<string | null, number>();
    for (const e of manifest.entries) per.set(e.member, (per.get(e.member) ?? 0) + 1);
    expect(per).toEqual(
      new Map([
        ['sb-a', 10],
        ['sb-b', 10],
        ['sb-c', 10],
      ]),
    );
    const before = snapshot(out);
    const again = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in-dir',
      inDir,
      '--out-dir',
      out,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('was already complete; nothing was written');
    expect(snapshot(out)).toEqual(before);
  }, 120_000);

  it('after kill -9 mid-batch, a rerun signs only what is missing and rewrites nothing; every output verifies', async () => {
    const cfg = config('kill', ['sb-a', 'sb-b', 'sb-c']);
    const inDir = inputs('kill', 300);
    const out = join(g.work, 'kill-out');
    const args = [
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in-dir',
      inDir,
      '--out-dir',
      out,
      '--max-batch-size',
      '2',
      '--max-concurrent-batches',
      '1',
      '--json',
    ];
    const killed = await runCli(args, { killWhen: /"signed":40,/ });
    expect(killed.code).toBe(-9);
    const before = snapshot(out);
    expect(before.size).toBeGreaterThanOrEqual(40);
    expect(before.size).toBeLessThan(300);
    expect(existsSync(join(out, 'batch-manifest.json'))).toBe(false);
    const rerun = await runCli(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    const doc = JSON.parse(rerun.stdout) as { signed: number; kept: number; total: number };
    expect(doc.total).toBe(300);
    expect(doc.kept).toBeGreaterThanOrEqual(before.size);
    expect(doc.signed + doc.kept).toBe(300);
    const after = snapshot(out);
    for (const [f, s] of before) expect(after.get(f), f).toEqual(s);
    checkAll(inDir, out);
  }, 180_000);

  it('every member vanishing mid-batch stops it with error 105 naming each member; once they are back a rerun finishes it', async () => {
    const cfg = config('vanish', ['sb-a', 'sb-b', 'sb-c']);
    const inDir = inputs('vanish', 200);
    const out = join(g.work, 'vanish-out');
    const ledgerPath = join(g.work, 'vanish-ledger.jsonl');
    const args = [
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in-dir',
      inDir,
      '--out-dir',
      out,
      '--max-batch-size',
      '2',
      '--max-concurrent-batches',
      '1',
      '--ledger',
      ledgerPath,
    ];
    const stores = ['sb-a', 'sb-b', 'sb-c'].map((l) => g.stores.get(l)!);
    let pulled = false;
    const r = await new Promise<Awaited<ReturnType<typeof runCli>>>((resolve) => {
      const timer = setInterval(() => {
        if (
          !pulled &&
          existsSync(out) &&
          readdirSync(out).filter((f) => f.endsWith('.sig')).length >= 20
        ) {
          pulled = true;
          for (const s of stores) renameSync(s, `${s}.away`);
        }
      }, 5);
      void runCli(args).then((res) => {
        clearInterval(timer);
        resolve(res);
      });
    });
    for (const s of stores) if (existsSync(`${s}.away`)) renameSync(`${s}.away`, s);
    expect(pulled).toBe(true);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /HSM error 105 .*No member of group signers can sign: sb-a \(out\): HSM error 103.*; sb-b \(out\): HSM error 103.*; sb-c \(out\): HSM error 103.*The batch stopped after \d+ of 200 files; run the same command again/,
    );
    const stopped = (await readLedgerRecords(ledgerPath)).records.map((x) => x.type);
    expect(stopped.filter((t) => t === 'group.member_out')).toHaveLength(3);
    expect(stopped.slice(-1)).toEqual(['batch.stopped']);
    const before = snapshot(out);
    const rerun = await runCli(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    for (const [f, s] of before) expect(snapshot(out).get(f), f).toEqual(s);
    checkAll(inDir, out);
    const all = (await readLedgerRecords(ledgerPath)).records.map((x) => x.type);
    expect(all.slice(-1)).toEqual(['batch.finished']);
    expect((await runCli(['verify-audit', ledgerPath])).code).toBe(0);
  }, 180_000);
});

describe('sign and verify with group:NAME/LABEL', () => {
  it('sign names the member that signed; verify checks with the group key (exit 1 on a bad signature)', async () => {
    const cfg = config('single-sign', ['sb-a', 'sb-b']);
    const file = join(g.work, 'statement.txt');
    writeFileSync(file, 'statement\n');
    const sig = join(g.work, 'statement.sig');
    const s = await runCli([
      'sign',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in',
      file,
      '--out',
      sig,
      '--json',
    ]);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ member: 'sb-a', algorithm: 'rsa-pkcs1-sha256' });
    expect(verifies(readFileSync(file), readFileSync(sig))).toBe(true);
    const v = await runCli([
      'verify',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in',
      file,
      '--sig',
      sig,
    ]);
    expect(v.code, v.stderr).toBe(0);
    writeFileSync(file, 'statement, changed\n');
    const bad = await runCli([
      'verify',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in',
      file,
      '--sig',
      sig,
    ]);
    expect(bad.code).toBe(1);
  }, 60_000);
});

describe('sign-batch with one key URI', () => {
  it('a key URI is a group of one: a file list is signed on that token', async () => {
    const dir = inputs('single', 3);
    const list = join(dir, 'list.txt');
    writeFileSync(list, 'doc-0000.txt\ndoc-0001.txt\ndoc-0002.txt\n');
    const out = join(g.work, 'single-out');
    const token = g.uris[LABELS.indexOf('sb-c')]!;
    const keyUri = token.replace(
      'pkcs11:token=sb-c?',
      'pkcs11:token=sb-c;object=batch-key;type=private?',
    );
    const r = await runCli([
      'sign-batch',
      '--key',
      keyUri,
      '--manifest',
      list,
      '--out-dir',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'batch-manifest.json'), 'utf8')) as Manifest;
    expect(m.entries.map((e) => e.member)).toEqual(['sb-c', 'sb-c', 'sb-c']);
    for (const e of m.entries) {
      expect(
        verifies(readFileSync(join(dir, e.file)), readFileSync(join(out, `${e.file}.sig`))),
      ).toBe(true);
    }
  }, 60_000);
});

describe('sign-batch refuses bad input before signing anything', () => {
  it('a member holding a different key: exit 3 naming it, nothing written', async () => {
    const cfg = config('odd', ['sb-a', 'sb-odd']);
    const inDir = inputs('odd', 2);
    const out = join(g.work, 'odd-out');
    const r = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in-dir',
      inDir,
      '--out-dir',
      out,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^error: HSM error 106 \(refused by policy\): Member sb-odd of group signers holds a different key "batch-key"/,
    );
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('a list naming a missing file, a file changed after pinning, another group name: exit 2, nothing written', async () => {
    const cfg = config('bad', ['sb-a', 'sb-b']);
    const dir = inputs('bad', 2);
    const out = join(g.work, 'bad-out');
    const missing = join(dir, 'missing.txt');
    writeFileSync(missing, 'doc-0000.txt\nnot-there.txt\n');
    const a = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--manifest',
      missing,
      '--out-dir',
      out,
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr.trim()).toBe(
      `error: The file list ${missing} lists not-there.txt, which does not exist.`,
    );
    const pinned = join(dir, 'pinned.txt');
    writeFileSync(pinned, `${'0'.repeat(64)}  doc-0001.txt\n`);
    const b = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--manifest',
      pinned,
      '--out-dir',
      out,
    ]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(
      /^error: doc-0001\.txt changed after its digest was pinned in .*pinned\.txt \(pinned SHA-256 0{64}, the file's is [0-9a-f]{64}\); nothing was signed\.\n$/,
    );
    const c = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:other/batch-key',
      '--in-dir',
      dir,
      '--out-dir',
      out,
    ]);
    expect(c.code).toBe(2);
    expect(c.stderr.trim()).toBe('error: The config names the HSM group "signers", not "other".');
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('an output directory holding a different signature for a file: exit 2, the file untouched, nothing signed', async () => {
    const cfg = config('clash', ['sb-a', 'sb-b']);
    const inDir = inputs('clash', 3);
    const out = join(g.work, 'clash-out');
    mkdirSync(out);
    writeFileSync(join(out, 'doc-0001.txt.sig'), Buffer.alloc(384, 7));
    const r = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/batch-key',
      '--in-dir',
      inDir,
      '--out-dir',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `error: ${join(out, 'doc-0001.txt.sig')} already holds a different signature for doc-0001.txt (it does not verify with the group key); sign-batch never overwrites: move it away or choose another --out-dir.`,
    );
    expect(readdirSync(out)).toEqual(['doc-0001.txt.sig']);
    expect(readFileSync(join(out, 'doc-0001.txt.sig')).equals(Buffer.alloc(384, 7))).toBe(true);
  }, 60_000);
});
