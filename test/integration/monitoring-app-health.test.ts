// The app's live health on real SoftHSM: off until the config in force enables it (or the officer
// toggles it), then the watched token's probes as samples and state history; and when an alert
// starts firing while a ceremony runs, that run's ledger gets a `monitor.alert` note with the
// alert's name, reading, threshold and status, and still verifies. A probe key missing is one
// sentence naming it. No socket is opened.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { CeremonyService } from '../../src/main/service/index';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const watched = createToken('app-health', '314159');
const work = mkdtempSync(join(tmpdir(), 'olocus-app-health-'));
const pinFile = join(work, 'pin');
writeFileSync(pinFile, watched.userPin, { mode: 0o600 });
const tokenUri = `pkcs11:token=${watched.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;

function config(name: string, monitoring: string[]): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${SOFTHSM_MODULE}`,
      `    token_label: ${watched.label}`,
      `    pin_source: "file:${pinFile}"`,
      '  monitoring:',
      ...monitoring.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  );
  return file;
}
// RSA-4096 signs take milliseconds on SoftHSM: well over a 1 ms threshold, far under 10 s.
const quiet = config('quiet', [
  'enabled: true',
  'health_check_interval: 1s',
  'alert_latency_threshold: 10s',
  'probe_key: olocus-probe',
]);
const low = config('low', [
  'enabled: true',
  'health_check_interval: 1s',
  'alert_latency_threshold: 1ms',
  'probe_key: olocus-probe',
]);
const off = config('off', ['enabled: false']);
const missing = config('missing', ['enabled: true', 'probe_key: no-such-probe']);
// The seed's monitoring block without `enabled`: `monitor` would run, the ceremony room stays quiet.
const unsaid = config('unsaid', ['health_check_interval: 1s', 'probe_key: olocus-probe']);

const service = new CeremonyService();
afterAll(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});

const script = (id: string) => `version: 1
ceremony: { id: ${id}, name: Health note, location: Test room }
hsm: { uri: 'pkcs11:token=${id}?module-path=${SOFTHSM_MODULE}' }
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
  witnesses: [Walter Witness]
quorum: { threshold: 2 }
steps:
  - { id: init-token, type: token.initialize }
  - { id: first-key, type: key.generate, witness: required, key: { label: first, type: ec-p256 } }
  - { id: second-key, type: key.generate, key: { label: second, type: ec-p256 } }
`;

/** A room that runs `hook` once, when the witness of step `at` is asked for. */
class HookedRoom extends ScriptedRoom {
  private calls = 0;
  constructor(
    private readonly at: number,
    private readonly hook: () => Promise<void>,
  ) {
    super();
  }
  override async witness(req: { witnesses: string[] }) {
    this.calls += 1;
    if (this.calls === this.at) await this.hook();
    return super.witness(req);
  }
}

const records = (dir: string) =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          seq: number;
          type: string;
          step: string | null;
          data: Record<string, unknown>;
        },
    );

describe('live health in the app', { timeout: 180_000 }, () => {
  it('is off with no config in force, when the config says enabled: false, and when it leaves enabled out', async () => {
    const none = await service.liveHealth({});
    expect(none).toMatchObject({ enabled: false, source: 'default', samples: [], alerts: [] });
    await service.useConfig({ path: off });
    expect(await service.liveHealth({ target: tokenUri })).toMatchObject({
      enabled: false,
      source: 'config',
    });
    await service.useConfig({ path: unsaid });
    expect(await service.liveHealth({ target: tokenUri })).toMatchObject({
      enabled: false,
      source: 'config',
      samples: [],
    });
  });

  it('a probe key missing from the token is one sentence naming it, and health stays off', async () => {
    await service.useConfig({ path: missing });
    const e = (await service.liveHealth({}).catch((x: unknown) => x)) as {
      code: number;
      message: string;
    };
    expect(e.code).toBe(101);
    expect(e.message).toBe(
      `The probe key "no-such-probe" (hsm.monitoring.probe_key) is not on token "${watched.label}"; create a signing key with that label for the monitor, or remove the setting to probe with token checks only.`,
    );
  });

  it('on from the config: the token probed with its probe key, samples and state kept, no alert under the threshold', async () => {
    await service.generateKey(tokenUri, 'rsa-4096', 'olocus-probe');
    await service.useConfig({ path: quiet });
    const s = await service.liveHealth({});
    expect(s).toMatchObject({
      enabled: true,
      source: 'config',
      kind: 'token',
      subject: watched.label,
      probeIntervalMs: 1000,
      thresholds: { latencyMs: 10_000, errorRate: 0.01, poolUse: 0.8 },
      alerts: [],
      duringRun: false,
    });
    expect(s.current?.up).toBe(true);
    expect(s.current?.p95Ms.map((p) => p.operation).sort()).toEqual(['sign', 'verify']);
    expect(s.samples.length).toBeGreaterThanOrEqual(1);
    expect(s.samples[0]!.up).toBe(true);
    expect(s.samples[0]!.latencyMs).toBeGreaterThan(0);
    expect(s.states).toEqual([
      expect.objectContaining({ subject: watched.label, state: 'up', detail: null }),
    ]);
    // It keeps probing on its own: more samples a few seconds later.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await service.liveHealth({})).samples.length).toBeGreaterThan(s.samples.length);
  });

  it('an alert that starts firing during a ceremony is noted in its ledger, which still verifies', async () => {
    const dir = join(work, 'run');
    const seen: { alerts: string[]; operations: (string | null)[]; duringRun: boolean }[] = [];
    // At the second step's witness the config in force lowers the latency threshold to 1 ms.
    const room = new HookedRoom(1, async () => {
      await service.useConfig({ path: low });
      const s = await service.liveHealth({});
      seen.push({
        alerts: [...new Set(s.alerts.map((a) => a.alert))],
        operations: s.alerts.map((a) => a.operation),
        duringRun: s.duringRun,
      });
    });
    const summary = await service.runCeremony(join(work, 'script.yaml'), dir, room);
    expect(summary.status).toBe('finished');
    // The probe's sign (RSA-4096) is over 1 ms; its verify may be too.
    expect(seen).toEqual([
      { alerts: ['OlocusHsmLatencyHigh'], operations: expect.any(Array), duringRun: true },
    ]);
    expect(seen[0]!.operations).toContain('sign');

    const all = records(dir);
    const notes = all.filter((r) => r.type === 'monitor.alert');
    expect(notes.map((x) => x.data.operation).sort()).toEqual([...seen[0]!.operations].sort());
    const n = notes.find((x) => x.data.operation === 'sign')!;
    expect(n.step).toBeNull();
    expect(n.data).toMatchObject({
      alert: 'OlocusHsmLatencyHigh',
      status: 'firing',
      subject: watched.label,
      severity: 'warning',
      operation: 'sign',
      threshold: 0.001,
      ended: null,
    });
    expect(n.data.value as number).toBeGreaterThan(0.001);
    expect(String(n.data.summary)).toMatch(/latency p95 on app-health is over 1 ms/);
    // Between the second step's start and its completion, before the run's last records.
    const seqOf = (type: string, step: string) =>
      all.find((r) => r.type === type && r.step === step)!.seq;
    expect(n.seq).toBeGreaterThan(seqOf('step.started', 'first-key'));
    expect(n.seq).toBeLessThan(all.find((r) => r.type === 'ceremony.finished')!.seq);
    const text = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    expect(text).not.toContain(watched.userPin);
    expect(text).not.toContain(pinFile);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);

    // After the run, the alert still shows on the screen, and no run is noted any more.
    const after = await service.liveHealth({});
    expect(after.alerts.map((a) => a.alert)).toContain('OlocusHsmLatencyHigh');
    expect(after.alerts[0]!.threshold).toBe(0.001);
    expect(after.duringRun).toBe(false);
  });

  it('the officer can turn it off and on; off stops the probes', async () => {
    const offNow = await service.liveHealth({ enabled: false });
    expect(offNow).toMatchObject({ enabled: false, source: 'toggle', samples: [] });
    const on = await service.liveHealth({ enabled: true, target: tokenUri });
    expect(on).toMatchObject({ enabled: true, source: 'toggle', subject: watched.label });
  });
});

writeFileSync(join(work, 'script.yaml'), script('health-run'));
