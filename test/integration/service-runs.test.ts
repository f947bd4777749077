// The home screen and the audit timeline over IPC, against real files: the bundled demo run
// (a finished ceremony on SoftHSM, started through startDemo), an unfinished run cut from it,
// a damaged folder, an empty one and a folder that is no run at all. Everything goes through
// the registered contract (sender check, request and response schemas) with the real service.
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseOf } from '../../src/shared/contract';
import { ErrorCode } from '../../src/shared/errors';
import { toPgpWords } from '../../src/main/audit/pgp-words';
import { findDefaultModules } from '../../src/main/hsm/vendors';
import { ipcHarness } from '../helpers/ipc-harness';

const softhsm = findDefaultModules().find((m) => m.vendor === 'softhsm');
const work = mkdtempSync(join(tmpdir(), 'olocus-service-runs-'));
const workspace = join(work, 'workspace');
const savedEnv = { workspace: process.env.OLOCUS_WORKSPACE, home: process.env.HOME };
process.env.OLOCUS_WORKSPACE = workspace;

const { service, sent, problems, invoke, refusal } = ipcHarness();

afterAll(async () => {
  await service.close();
  if (savedEnv.workspace === undefined) delete process.env.OLOCUS_WORKSPACE;
  else process.env.OLOCUS_WORKSPACE = savedEnv.workspace;
  process.env.HOME = savedEnv.home;
  rmSync(work, { recursive: true, force: true });
});

describe('appInfo', () => {
  it('names the version, the workspace (created), the bundled 3-of-5 script and SoftHSM', async () => {
    const info = await invoke('appInfo', {});
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(info.version).toBe(pkg.version);
    expect(info.workspace).toBe(workspace);
    expect(statSync(workspace).isDirectory()).toBe(true);

    const root = info.bundledScripts.find((s) => s.file === 'root-ca.yaml');
    expect(root?.path).toBe(resolve('resources/ceremonies/root-ca.yaml'));
    expect(root?.ceremonyId).toBe('root-ca-2026');
    // The script the list offers is one the wizard can open and review: 3 of 5 officers.
    const plan = await invoke('validateScript', { path: root!.path });
    expect(root?.name).toBe(plan.plan.ceremony.name);
    expect(plan.plan.participants.officers).toHaveLength(5);
    expect(plan.plan.quorum).toMatch(/3/);

    if (softhsm) {
      expect(info.defaultHsmUri).toBe(`pkcs11:?module-path=${softhsm.path}`);
      const tokens = await invoke('tokens', { hsmUri: info.defaultHsmUri! });
      // The URI opens the module (the library may report its real path, not the link).
      expect(realpathSync(tokens.modules[0]!.module.path)).toBe(realpathSync(softhsm.path));
    } else {
      expect(info.defaultHsmUri).toBeNull();
    }
  });

  it('without OLOCUS_WORKSPACE the workspace is ~/OlocusCeremonies, private to the user', async () => {
    const home = join(work, 'home');
    mkdirSync(home);
    delete process.env.OLOCUS_WORKSPACE;
    process.env.HOME = home;
    try {
      const info = await invoke('appInfo', {});
      expect(info.workspace).toBe(join(home, 'OlocusCeremonies'));
      expect(statSync(info.workspace).mode & 0o777).toBe(0o700);
      expect((await invoke('recentRuns', {})).runs).toEqual([]);
    } finally {
      process.env.OLOCUS_WORKSPACE = workspace;
      process.env.HOME = savedEnv.home;
    }
  });

  it('a workspace that cannot be created is a clear error naming the variable', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a folder');
    process.env.OLOCUS_WORKSPACE = join(file, 'runs');
    try {
      const e = await refusal('appInfo', {});
      expect(e.code).toBe(ErrorCode.INVALID_INPUT);
      expect(e.message).toContain(join(file, 'runs'));
      expect(e.message).toContain('OLOCUS_WORKSPACE');
    } finally {
      process.env.OLOCUS_WORKSPACE = workspace;
    }
  });
});

describe.skipIf(!softhsm)('recent runs, ledger and report over a real demo run (SoftHSM2)', () => {
  const finished = join(workspace, 'root-2026');
  const unfinished = join(workspace, 'root-2026-retry');
  const damaged = join(workspace, 'damaged');
  const empty = join(workspace, 'empty');
  const notARun = join(workspace, 'notes');
  let demo: NonNullable<Extract<ResponseOf<'runStatus'>, { kind: 'demo' }>['result']>;
  let ledgerLines: string[];

  beforeAll(async () => {
    mkdirSync(workspace, { recursive: true });
    const { runId } = await invoke('startDemo', { dir: finished });
    for (const end = Date.now() + 120_000; ;) {
      if (
        sent.some(
          (e) => e.name === 'runFinished' && (e.payload as { runId: string }).runId === runId,
        )
      )
        break;
      if (Date.now() > end) throw new Error('the demo did not finish');
      await new Promise((r) => setTimeout(r, 20));
    }
    const status = await invoke('runStatus', { runId });
    if (status.kind !== 'demo' || !status.result)
      throw new Error(`demo: ${JSON.stringify(status.error)}`);
    demo = status.result;
    ledgerLines = readFileSync(demo.ledger.path, 'utf8').trimEnd().split('\n');

    // A run stopped after step one: its state and the first twelve records, nothing more.
    mkdirSync(unfinished);
    const state = JSON.parse(readFileSync(join(finished, 'state.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(
      join(unfinished, 'state.json'),
      JSON.stringify({ ...state, status: 'running', finishedAt: undefined }),
    );
    writeFileSync(join(unfinished, 'audit.jsonl'), `${ledgerLines.slice(0, 12).join('\n')}\n`);

    // Damage: a state file cut short, a ledger with a garbage line and a torn tail.
    mkdirSync(damaged);
    writeFileSync(join(damaged, 'state.json'), '{"format":"olocus-ceremony-run/1","ceremo');
    writeFileSync(
      join(damaged, 'audit.jsonl'),
      `${ledgerLines.slice(0, 3).join('\n')}\n#### not json ####\n${ledgerLines[3]}\n{"actor":"Ada`,
    );
    mkdirSync(empty);
    mkdirSync(notARun);
    writeFileSync(join(notARun, 'shopping.txt'), 'milk');
    writeFileSync(join(workspace, 'loose-file.txt'), 'not a run directory');
    // The two folders without times of their own sort by modification time: make them old.
    utimesSync(empty, new Date('2020-01-01'), new Date('2020-01-01'));
    utimesSync(notARun, new Date('2019-01-01'), new Date('2019-01-01'));
  });

  it('the demo result carries every key fingerprint as hex and PGP words', () => {
    expect(demo.keys.length).toBeGreaterThan(0);
    for (const k of demo.keys) {
      expect(k.spkiSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(k.spkiWords).toBe(toPgpWords(k.spkiSha256!).join(' '));
      expect(k.spkiWords!.split(' ')).toHaveLength(32);
    }
  });

  it('recentRuns lists every folder under the workspace, newest first, each as its files say', async () => {
    const { root, runs: list } = await invoke('recentRuns', {});
    expect(root).toBe(workspace);
    expect(list.map((r) => r.dir)).toEqual([finished, unfinished, damaged, empty, notARun]);
    const [done, cut, bad, nothing, notes] = list;

    expect(done).toEqual({
      dir: finished,
      ceremonyId: 'root-ca-2026',
      name: 'Olocus Example Root CA key ceremony',
      state: 'finished',
      mode: 'demo',
      records: demo.ledger.records,
      startedAt: (
        JSON.parse(readFileSync(join(finished, 'state.json'), 'utf8')) as {
          startedAt: string;
        }
      ).startedAt,
      lastEventTime: (JSON.parse(ledgerLines.at(-1)!) as { time: string }).time,
      scriptPath: join(finished, 'script.yaml'),
      report: join(finished, 'report.pdf'),
      problem: null,
    });
    // The script it keeps is the one it ran: the wizard resumes a run with it.
    expect((await invoke('validateScript', { path: done!.scriptPath! })).plan.ceremony.id).toBe(
      'root-ca-2026',
    );
    expect(cut).toMatchObject({
      state: 'unfinished',
      ceremonyId: 'root-ca-2026',
      name: 'Olocus Example Root CA key ceremony',
      records: 12,
      lastEventTime: (JSON.parse(ledgerLines[11]!) as { time: string }).time,
      report: null,
      problem: null,
    });
    // Damaged: still listed, with what could be read, and what could not.
    expect(bad).toMatchObject({ state: 'unfinished', records: 4, report: null });
    expect(bad!.ceremonyId).toBe('root-ca-2026'); // from the ledger, the state being unreadable
    expect(bad!.name).toBe('Olocus Example Root CA key ceremony');
    expect(bad!.problem).toContain('state.json');
    expect(bad!.startedAt).toBeNull();
    expect(bad!.problem).toContain('2 lines could not be read');
    expect(nothing).toMatchObject({ state: 'empty', records: 0, ceremonyId: null, problem: null });
    expect(notes).toMatchObject({ state: 'unfinished', records: 0, ceremonyId: null });
    expect(notes!.problem).toContain('no state.json');
  });

  it('a finished run loses its manifest: it is unfinished again', async () => {
    const copy = join(work, 'copies', 'no-manifest');
    cpSync(finished, copy, { recursive: true });
    rmSync(join(copy, 'manifest.json'));
    const { runs: list } = await invoke('recentRuns', { root: join(work, 'copies') });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ state: 'unfinished', report: join(copy, 'report.pdf') });
  });

  it('a root that does not exist is an error that names it', async () => {
    const e = await refusal('recentRuns', { root: join(work, 'nowhere') });
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toContain(join(work, 'nowhere'));
  });

  it('readLedger pages through the real ledger, with the head the run reported', async () => {
    const all = await invoke('readLedger', { path: demo.ledger.path, limit: 1000 });
    expect(all.total).toBe(demo.ledger.records);
    expect(all.head).toBe(demo.ledger.head);
    expect(all.headWords).toBe(demo.ledger.headWords);
    expect(all.unreadableLines).toBe(0);
    expect(all.records.map((r) => r.seq)).toEqual([...Array(demo.ledger.records).keys()]);
    for (const [i, line] of ledgerLines.entries()) {
      const r = JSON.parse(line) as { hash: string; type: string; actor: string };
      expect(all.records[i]).toMatchObject({ hash: r.hash, type: r.type, actor: r.actor });
      expect(all.records[i]!.summary.length).toBeGreaterThan(0);
      expect(all.records[i]!.summary).not.toContain('\n');
      expect(all.records[i]!.summary.length).toBeLessThanOrEqual(160);
    }

    const page = await invoke('readLedger', { path: finished, fromSeq: 10, limit: 4 });
    expect(page.path).toBe(demo.ledger.path);
    expect(page.records.map((r) => r.seq)).toEqual([10, 11, 12, 13]);
    expect(page.total).toBe(demo.ledger.records);
    expect((await invoke('readLedger', { path: finished, fromSeq: 1000 })).records).toEqual([]);
  });

  it('readLedger fromEnd gives the newest page, ending at the head the run reported', async () => {
    const n = demo.ledger.records;
    const newest = await invoke('readLedger', { path: finished, limit: 5, fromEnd: true });
    expect(newest.records.map((r) => r.seq)).toEqual([n - 5, n - 4, n - 3, n - 2, n - 1]);
    expect(newest.records.at(-1)!.hash).toBe(demo.ledger.head);
    expect(newest.total).toBe(n);
    // fromSeq stays the floor: fewer than a page after it is all there is.
    const after = await invoke('readLedger', {
      path: finished,
      fromSeq: n - 2,
      limit: 5,
      fromEnd: true,
    });
    expect(after.records.map((r) => r.seq)).toEqual([n - 2, n - 1]);
    // A page larger than the ledger is the whole ledger, oldest first, as without fromEnd.
    const whole = await invoke('readLedger', { path: finished, limit: 1000, fromEnd: true });
    expect(whole.records.map((r) => r.seq)).toEqual([...Array(n).keys()]);
    // A damaged ledger: the newest readable records, the garbage and the torn tail skipped.
    const damagedTail = await invoke('readLedger', { path: damaged, limit: 2, fromEnd: true });
    expect(damagedTail.records.map((r) => r.seq)).toEqual([2, 3]);
    expect(damagedTail.unreadableLines).toBe(2);
  });

  it('openPath finds the demo run started here, and with no desktop says where its report is', async () => {
    const report = join(finished, 'report.pdf');
    expect(await invoke('openPath', { path: report })).toEqual({
      opened: false,
      message: `Open ${report} from the run folder: this window cannot open files.`,
    });
    const e = await refusal('openPath', {
      path: join(finished, 'state.json', '..', '..', 'loose-file.txt'),
    });
    expect(e.code).toBe(ErrorCode.POLICY_VIOLATION);
  });

  it('summaries say what happened in words, and carry no share, PIN or signature', async () => {
    const { records } = await invoke('readLedger', { path: demo.ledger.path, limit: 1000 });
    const byType = (t: string) => records.filter((r) => r.type === t).map((r) => r.summary);
    expect(byType('ceremony.started')[0]).toContain('Olocus Example Root CA key ceremony');
    expect(byType('share.accepted')).toContain('share of Alice Archer accepted');
    expect(byType('witness.signed')[0]).toMatch(/^Walter Witness signed: /);
    expect(byType('step.started')).toContain('Generate the root CA key');
    expect(byType('chain.signed')[0]).toBe('head signed through record 7 (ecdsa-p256-sha256)');

    const text = JSON.stringify(records);
    const secrets = join(demo.demoSecretsPath, 'shares');
    for (const f of readdirSync(secrets)) {
      const share = JSON.parse(readFileSync(join(secrets, f), 'utf8')) as { text: string };
      expect(text).not.toContain(share.text.slice(0, 14));
    }
    for (const pin of ['user-pin', 'so-pin']) {
      const value = readFileSync(join(demo.demoSecretsPath, pin), 'utf8').trim();
      expect(value.length).toBeGreaterThan(3);
      expect(text).not.toContain(value);
    }
    for (const line of ledgerLines) {
      const r = JSON.parse(line) as { type: string; data: { signature?: string } };
      if (r.type === 'chain.signed') expect(text).not.toContain(r.data.signature!);
    }
  });

  it('a record holding a field named like a secret is summarised without it', async () => {
    // The ledger writer refuses such fields; a hand-made file shows the reader does not rely on it.
    const path = join(work, 'hand-made.jsonl');
    const record = (seq: number, data: Record<string, unknown>) =>
      JSON.stringify({
        actor: 'someone',
        data,
        hash: String(seq).repeat(64).slice(0, 64),
        prev: '0'.repeat(64),
        seq,
        step: null,
        time: '2026-01-01T00:00:00.000Z',
        type: 'custom.event',
      });
    writeFileSync(
      path,
      `${record(0, { label: 'vault', user_pin: '246810', nested: { passphrase: 'hunter2', slot: 3 }, custodianShare: 'J5GF-GMIA' })}\n`,
    );
    const page = await invoke('readLedger', { path });
    expect(page.records[0]!.summary).toBe('label vault, nested.slot 3');
  });

  it('a damaged ledger is read as far as it can be; a missing one is an error', async () => {
    const page = await invoke('readLedger', { path: damaged });
    expect(page.records.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(page.unreadableLines).toBe(2);
    expect(page.head).toBe((JSON.parse(ledgerLines[3]!) as { hash: string }).hash);

    const e = await refusal('readLedger', { path: empty });
    expect(e.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e.message).toContain(join(empty, 'audit.jsonl'));
  });

  it('verifyReport accepts the run report and refuses a tampered copy', async () => {
    const report = join(finished, 'report.pdf');
    const ok = await invoke('verifyReport', { path: report });
    expect(ok.ok).toBe(true);
    expect(ok.failures).toEqual([]);
    expect(ok.ledger).toMatchObject({ present: true, ok: true, head: demo.ledger.head });
    expect(ok.signature?.signatureValid).toBe(true);

    const bytes = readFileSync(report);
    // A byte inside the signed content (past the header), not the signature's placeholder.
    const at = bytes.indexOf('/Type /Page') > 0 ? bytes.indexOf('/Type /Page') + 2 : 200;
    bytes[at] = bytes[at]! ^ 0x20;
    const tampered = join(work, 'tampered.pdf');
    writeFileSync(tampered, bytes);
    const bad = await invoke('verifyReport', { path: tampered });
    expect(bad.ok).toBe(false);
    expect(bad.failures.length).toBeGreaterThan(0);

    const missing = await refusal('verifyReport', { path: join(work, 'no-report.pdf') });
    expect(missing.code).toBe(ErrorCode.INVALID_INPUT);
  });

  it('verifyManifest accepts the run and names a file changed after it', async () => {
    const ok = await invoke('verifyManifest', { dir: finished });
    expect(ok).toMatchObject({ ok: true, failures: [], ceremonyId: 'root-ca-2026' });
    expect(ok.ledgerHead).toBe(demo.ledger.head);
    expect(ok.files).toBeGreaterThan(3);

    const copy = join(work, 'changed');
    cpSync(finished, copy, { recursive: true });
    const cert = readdirSync(join(copy, 'certificates')).find((f) => f.endsWith('.pem'))!;
    copyFileSync(join(copy, 'transcript.json'), join(copy, 'certificates', cert));
    const bad = await invoke('verifyManifest', { dir: copy });
    expect(bad.ok).toBe(false);
    expect(bad.failures).toContainEqual(
      expect.objectContaining({ check: 'file-hash', file: `certificates/${cert}` }),
    );
  });

  it('nothing went wrong out of sight', () => {
    expect(problems).toEqual([]);
  });
});
