// The real CeremonyService behind the registered IPC channels: the contract's response
// schemas accept what the service really returns (a schema that refused it would turn every
// answer into an error), progress and ledger events flow during a run, and a drill's room is
// answered entirely over IPC. The demo and drill parts need SoftHSM2 and skip without it.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../src/shared/channels';
import type { EventOf, ResponseOf } from '../../src/shared/contract';
import { findDefaultModules } from '../../src/main/hsm/vendors';
import { ipcHarness } from '../helpers/ipc-harness';

const softhsm = findDefaultModules().find((m) => m.vendor === 'softhsm');
const work = mkdtempSync(join(tmpdir(), 'olocus-ipc-service-'));
const { service, sent, problems, answer, invoke } = ipcHarness();
afterAll(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});
const eventsOf = <K extends EventName>(name: K, runId: string) =>
  sent
    .filter((e) => e.name === name)
    .map((e) => e.payload as EventOf<K>)
    .filter((p) => (p as { runId?: string }).runId === runId);

async function until<T>(get: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('real service results fit the contract', () => {
  it('validateScript on the bundled root CA ceremony', async () => {
    const r = await invoke('validateScript', {
      path: resolve('resources/ceremonies/root-ca.yaml'),
    });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.plan.steps.length).toBeGreaterThan(3);
    expect(r.planText).toContain(r.plan.ceremony.name);
  });

  it("validateScript keeps a script's target HSMs in the plan the wizard shows", async () => {
    const target =
      'pkcs11:token=dr-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:DR_PIN';
    const script = join(work, 'with-target.yaml');
    writeFileSync(
      script,
      readFileSync('resources/ceremonies/root-ca.yaml', 'utf8').replace(
        '\nroles:',
        `\ntargets:\n  dr-site:\n    uri: '${target}'\n\nroles:`,
      ),
    );
    const r = await invoke('validateScript', { path: script });
    expect(r.plan.targets).toEqual([{ name: 'dr-site', uri: target }]);
    expect(r.planText).toContain('dr-site');
  });

  it('checkConfig on a SoftHSM configuration', async () => {
    const r = await invoke('checkConfig', { path: resolve('test/fixtures/config/softhsm.yaml') });
    expect(r.yaml).toContain('pkcs11');
    expect(Object.keys(r.config).length).toBeGreaterThan(0);
  });

  it('a service error arrives as { code, message }', async () => {
    const a = await answer('validateScript', { path: join(work, 'missing.yaml') });
    expect(a.ok).toBe(false);
    if (!a.ok) {
      expect(a.error.code).toBeGreaterThanOrEqual(100);
      expect(a.error.message).toContain('missing.yaml');
    }
  });
});

describe.skipIf(!softhsm)('demo, audit check and drill over IPC (SoftHSM2)', () => {
  const dir = join(work, 'demo');
  let demo: NonNullable<Extract<ResponseOf<'runStatus'>, { kind: 'demo' }>['result']>;

  it('the demo runs, reporting progress and every ledger record as it lands', async () => {
    const { runId } = await invoke('startDemo', { dir });
    const finished = await until(() => eventsOf('runFinished', runId)[0], 120_000);
    const status = await invoke('runStatus', { runId });
    expect(finished.state, JSON.stringify(status.error)).toBe('finished');
    if (status.kind !== 'demo' || !status.result) throw new Error('no demo result');
    demo = status.result;
    expect(demo.demoSecretsPath).toBe(join(dir, 'demo-secrets'));
    expect(demo.playedSharesPath).toBe(join(dir, 'demo-secrets', 'shares'));
    expect(eventsOf('runProgress', runId).length).toBeGreaterThan(5);
    const seqs = eventsOf('runLedgerAppended', runId).map((e) => e.seq);
    expect(seqs).toEqual([...Array(demo.ledger.records).keys()]);
    expect(eventsOf('runLedgerAppended', runId).at(-1)?.type).toBe('chain.signed');
    expect(problems).toEqual([]);
  });

  it('verifyAudit confirms the ledger against the head the run reported', async () => {
    const r = await invoke('verifyAudit', {
      path: demo.ledger.path,
      expectedHead: demo.ledger.head,
    });
    expect(r).toMatchObject({ ok: true, records: demo.ledger.records, head: demo.ledger.head });
    const wrong = await invoke('verifyAudit', {
      path: demo.ledger.path,
      expectedHead: 'f'.repeat(64),
    });
    expect(wrong.ok).toBe(false);
    expect(wrong.firstBad?.reason).toBe('head-mismatch');
  });

  it('a drill whose officers present their cards through presentShare', async () => {
    const shares = readdirSync(demo.playedSharesPath)
      .map(
        (f) =>
          JSON.parse(readFileSync(join(demo.playedSharesPath, f), 'utf8')) as {
            secretId: string;
            custodian: string;
            text: string;
          },
      )
      .filter((s) => s.secretId === 'token-pins');
    const { runId } = await invoke('startDrill', { dir });
    for (let i = 0; ; i++) {
      const ask = await until(
        () => eventsOf('runShareNeeded', runId)[i] ?? eventsOf('runFinished', runId)[0],
      );
      if (!('requestId' in ask)) break;
      const next = shares.find((s) => !ask.presented.includes(s.custodian));
      await invoke('presentShare', {
        requestId: ask.requestId,
        share: next ? { text: next.text, presentedBy: next.custodian } : null,
      });
      if (!next) break;
    }
    await until(() => eventsOf('runFinished', runId)[0]);
    const status = await invoke('runStatus', { runId });
    if (status.kind !== 'drill' || !status.result)
      throw new Error(`drill: ${JSON.stringify(status.error)}`);
    expect(status.result.report).toMatchObject({ ok: true, recoverable: true });
    expect(status.result.report.custodians).toHaveLength(5);
    // Shares went in; not one came back out in any event.
    const out = JSON.stringify(sent);
    for (const s of shares) expect(out).not.toContain(s.text.slice(0, 24));
    expect(problems).toEqual([]);
  });

  // Last: listKeys keeps its connection open in the service, and a drill opening the same
  // module afterwards in this process fails with CKR_CRYPTOKI_ALREADY_INITIALIZED (reported).
  it('tokens and listKeys on the demo token', async () => {
    const tokens = await invoke('tokens', { hsmUri: `pkcs11:?module-path=${softhsm!.path}` });
    const token = tokens.modules[0]?.tokens.find((t) => t.initialized);
    expect(token).toBeDefined();
    const keys = await invoke('listKeys', {
      hsmUri: `pkcs11:token=${encodeURIComponent(token!.label)}?module-path=${softhsm!.path}`,
    });
    expect(keys.loggedIn).toBe(false);
    expect(keys.keys.every((k) => k.class !== 'private')).toBe(true);
  });
});
