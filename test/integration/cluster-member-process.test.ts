// A group member whose PKCS#11 provider runs in a process of its own (a member host), killed with
// SIGKILL while a batch is in flight. The batch finishes on the other member: every input signed
// exactly once, every signature verifies with the key's public key, the manifest names the member
// that signed each, and the ledger records the member taken out. A new process is re-admitted
// only after it passes the recovery checks.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, generateSoftwareSigner } from '../../src/main/audit';
import { readLedgerRecords } from '../../src/main/audit/record-reader';
import { HsmGroup, inputsFromDir, openMemberProcess, signBatch } from '../../src/main/cluster';
import type { GroupEvent, MemberProcess, MemberProvider } from '../../src/main/cluster';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { verifyWithSpki } from '../../src/main/hsm/software-verify';
import { runCli } from '../helpers/cli';
import { groupTokens, openMember } from '../helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const LABELS = ['mp-a', 'mp-b', 'mp-c'];
const g = groupTokens(LABELS);
const uri = (label: string) => g.uris[LABELS.indexOf(label)]!;
let anchor: Pkcs11Provider;
const groups: HsmGroup[] = [];

beforeAll(async () => {
  anchor = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: 'mp-a' } });
  const key = makeKeyPair('ec-p256');
  for (const t of LABELS) importKeyPair(t, '314159', 'k', key);
});
afterAll(async () => {
  for (const grp of groups) await grp.close();
  await anchor.close();
});

/** mp-b runs in a member host; the others in this process. Every host started is recorded. */
const hosts: MemberProcess[] = [];
const openMixed = async (address: string): Promise<MemberProvider> => {
  if (address !== uri('mp-b')) return openMember(address);
  const p = await openMemberProcess(address);
  hosts.push(p);
  return p;
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Member hosts this test process started that are still running. */
function liveHosts(): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const ppid = Number(
          readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1],
        );
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return ppid === process.pid && cmd.includes('member-host') && !cmd.includes('(zombie)');
      } catch {
        return false;
      }
    })
    .filter((pid) => !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'));
}

describe('a member in its own process', () => {
  it('signs with the PIN it was sent over the pipe, never on its command line or in its environment', async () => {
    const grp = await HsmGroup.open({
      name: 'pipe',
      members: [uri('mp-c'), uri('mp-b')],
      keyLabel: 'k',
      open: openMixed,
      healthCheckIntervalMs: 3_600_000,
    });
    groups.push(grp);
    const host = hosts.at(-1)!;
    expect(host.pid).not.toBe(process.pid);
    const cmdline = readFileSync(`/proc/${host.pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${host.pid}/environ`, 'utf8');
    expect(cmdline).not.toContain('314159');
    expect(environ).not.toContain('314159');
    const data = Buffer.from('through the pipe');
    const results = await Promise.all([1, 2, 3, 4].map(() => grp.sign(data)));
    expect(new Set(results.map((r) => r.member))).toEqual(new Set(['mp-c', 'mp-b']));
    for (const r of results)
      expect(verifyWithSpki(grp.fingerprint.spki!, r.algorithm, data, r.signature)).toBe(true);
    await grp.close();
    expect(alive(host.pid)).toBe(false);
  });

  it('killed with SIGKILL mid-batch: 400 files each signed once, all verify, the manifest names the signers, the ledger records it; a new process is re-admitted after checks', async () => {
    const inDir = join(g.work, 'in');
    const outDir = join(g.work, 'out');
    mkdirSync(inDir);
    for (let i = 0; i < 400; i++) writeFileSync(join(inDir, `req-${i}.csr`), `request ${i}\n`);
    const ledgerPath = join(g.work, 'kill-ledger.jsonl');
    const ledger = await Ledger.create(ledgerPath, {
      ceremonyId: 'member-kill',
      actor: 'olocus-ceremony',
      signer: generateSoftwareSigner('ecdsa-p256-sha256').signer,
    });
    const grp = await HsmGroup.open({
      name: 'signers',
      members: [uri('mp-a'), uri('mp-b')],
      keyLabel: 'k',
      open: openMixed,
      healthCheckIntervalMs: 3_600_000,
      ledger,
    });
    groups.push(grp);
    const events: GroupEvent[] = [];
    grp.on((e) => events.push(e));
    const victim = hosts.at(-1)!;
    let inFlightAtKill = -1;
    const result = await signBatch({
      group: grp,
      inputs: inputsFromDir(inDir),
      outDir,
      limits: { maxBatchSize: 16, maxWaitTimeMs: 5, maxConcurrentBatches: 4 },
      onProgress: (p) => {
        // Killed while it holds requests: a host that signs each batch in one go holds none
        // between its reply and the next batch, so wait for a moment when it does.
        const held = grp.report().find((m) => m.name === 'mp-b')!.inFlight;
        if (inFlightAtKill < 0 && p.signed >= 60 && held > 0) {
          inFlightAtKill = held;
          process.kill(victim.pid, 'SIGKILL');
        }
      },
    });
    await grp.flushEvents();

    expect(result).toMatchObject({ total: 400, signed: 400, kept: 0 });
    expect(alive(victim.pid)).toBe(false);
    const manifest = JSON.parse(readFileSync(join(outDir, 'batch-manifest.json'), 'utf8')) as {
      entries: { file: string; sha256: string; signature: string; member: string }[];
      algorithm: string;
    };
    const files = manifest.entries.map((e) => e.file);
    expect(files.length).toBe(400);
    expect(new Set(files).size).toBe(400);
    const spki = grp.fingerprint.spki!;
    for (const e of manifest.entries) {
      const data = readFileSync(join(inDir, e.file));
      const sig = readFileSync(join(outDir, `${e.file}.sig`));
      expect(sig.toString('base64')).toBe(e.signature);
      expect(verifyWithSpki(spki, manifest.algorithm as 'ecdsa-sha256', data, sig)).toBe(true);
    }
    // Each file once in the journal, too: nothing was signed twice.
    const journal = readFileSync(join(outDir, '.sign-batch-journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { file: string }).file);
    expect(journal.length).toBe(400);
    expect(new Set(journal).size).toBe(400);
    const by = (m: string) => manifest.entries.filter((e) => e.member === m).length;
    expect(by('mp-b')).toBeGreaterThan(0);
    expect(by('mp-a')).toBeGreaterThan(by('mp-b'));
    expect(by('mp-a') + by('mp-b')).toBe(400);

    // Requests the dead process held went to mp-a; the member is out, saying how it died.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'group.request_failed_over' && e.next === 'mp-a')).toBe(
      true,
    );
    const out = events.find((e) => e.type === 'group.member_out')!;
    expect(out.member).toBe('mp-b');
    expect(out.reason).toMatch(/process of member mp-b \(pid \d+\) ended \(killed by SIGKILL\)/);
    const types = (await readLedgerRecords(ledgerPath)).records.map((r) => r.type);
    expect(types).toContain('group.member_out');

    // Recovery starts a new process: recovering after one passed check, healthy after two.
    await grp.checkNow();
    expect(grp.report().find((m) => m.name === 'mp-b')!.state).toBe('recovering');
    await grp.checkNow();
    expect(grp.report().find((m) => m.name === 'mp-b')!.state).toBe('healthy');
    const reborn = hosts.at(-1)!;
    expect(reborn.pid).not.toBe(victim.pid);
    expect(alive(reborn.pid)).toBe(true);
    const data = Buffer.from('after recovery');
    const again = await Promise.all([1, 2, 3, 4].map(() => grp.sign(data)));
    expect(again.filter((r) => r.member === 'mp-b').length).toBeGreaterThan(0);
    await grp.flushEvents();
    const after = (await readLedgerRecords(ledgerPath)).records.map((r) => r.type);
    expect(after).toEqual(
      expect.arrayContaining(['group.member_recovering', 'group.member_readmitted']),
    );
    await grp.close();
    expect(alive(reborn.pid)).toBe(false);
    await ledger.close();
  });
});

describe('a member host that cannot open its token', () => {
  it('a wrong PIN is error 102 from the host, and the host process is gone', async () => {
    const bad = join(g.work, 'wrong-pin');
    writeFileSync(bad, '000000', { mode: 0o600 });
    const address = uri('mp-c').replace(/pin-source=file:[^&]+/, `pin-source=file:${bad}`);
    const before = liveHosts();
    const e = await openMemberProcess(address).then(
      () => null,
      (x: unknown) => x as { code: number; ckr?: string; message: string },
    );
    expect(e?.code).toBe(102);
    expect(e?.ckr).toBe('CKR_PIN_INCORRECT');
    await expect.poll(() => liveHosts()).toEqual(before);
  });

  it('a module path that does not exist is error 100 naming it', async () => {
    const address = uri('mp-c').replace(/module-path=[^&]+/, 'module-path=/nonexistent/libgone.so');
    const e = await openMemberProcess(address).then(
      () => null,
      (x: unknown) => x as { code: number; message: string },
    );
    expect(e?.code).toBe(100);
    expect(e?.message).toContain('/nonexistent/libgone.so');
  });
});

describe('sign-batch with cluster.member_host: process', () => {
  it('signs every file through members that each run in their own process, and exits', async () => {
    const cfg = join(g.work, 'process.yaml');
    writeFileSync(
      cfg,
      [
        'hsm:',
        '  provider: softhsm',
        'cluster:',
        '  name: signers',
        `  primary: "${uri('mp-a')}"`,
        '  backups:',
        `    - "${uri('mp-c')}"`,
        '  member_host: process',
      ].join('\n'),
    );
    const inDir = join(g.work, 'cli-in');
    const outDir = join(g.work, 'cli-out');
    mkdirSync(inDir);
    for (let i = 0; i < 40; i++) writeFileSync(join(inDir, `doc-${i}.txt`), `document ${i}\n`);
    const r = await runCli([
      'sign-batch',
      '--config',
      cfg,
      '--key',
      'group:signers/k',
      '--in-dir',
      inDir,
      '--out-dir',
      outDir,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outDir, 'batch-manifest.json'), 'utf8')) as {
      entries: { member: string }[];
    };
    expect(manifest.entries.length).toBe(40);
    expect(new Set(manifest.entries.map((e) => e.member))).toEqual(new Set(['mp-a', 'mp-c']));
  });
});
