// The monitor (docs/monitoring.md) on an NSS softoken token, whose config carries NSS's init
// string (hsm.pkcs11.init_args): the active probe signs and verifies with the probe key, the
// metrics say so, a probe key missing at start is one sentence naming it, and a probe key
// deleted under a running monitor (by another PKCS#11 client) turns the token down with 101.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { ROOT, runCli } from '../helpers/cli';
import { PROBE_KEY, startMonitor } from '../helpers/monitor';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';

const TOKEN = 'NSS Certificate DB';
const work = mkdtempSync(join(tmpdir(), 'olocus-monitor-nss-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pinFile = join(work, 'nss.pin');
let initArgs = '';

/** An hsm-config.yaml for the NSS token; `monitoring` lines go under hsm.monitoring. */
function config(name: string, monitoring: string[]): string {
  const path = join(work, `${name}.yaml`);
  writeFileSync(
    path,
    [
      // The seed's provider list has no generic PKCS#11 name; hsm.provider only picks the
      // module when module_path is absent.
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${NSS_MODULE}`,
      `    token_label: ${TOKEN}`,
      `    init_args: ${JSON.stringify(initArgs)}`,
      `    pin_source: "file:${pinFile}"`,
      '  monitoring:',
      ...monitoring.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  );
  return path;
}

/** Another PKCS#11 client (a separate process) deletes every object labelled `label`. */
function deleteOnNss(label: string): void {
  const script = `
const P = require('pkcs11js'); const p = new P.PKCS11(); p.load(${JSON.stringify(NSS_MODULE)});
p.C_Initialize({ libraryParameters: ${JSON.stringify(initArgs)} });
const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === ${JSON.stringify(TOKEN)});
const s = p.C_OpenSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION);
p.C_Login(s, P.CKU_USER, ${JSON.stringify(NSS_USER_PIN)});
p.C_FindObjectsInit(s, [{ type: P.CKA_LABEL, value: ${JSON.stringify(label)} }]);
const found = p.C_FindObjects(s, 10); p.C_FindObjectsFinal(s);
for (const h of found) p.C_DestroyObject(s, h);
p.C_Logout(s); p.C_Finalize(); process.stdout.write(String(found.length));`;
  const n = execFileSync(process.execPath, ['-e', script], { cwd: ROOT }).toString();
  expect(n).toBe('2');
}

/** The value of one sample in Prometheus text, by name and exact label set. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

describe.skipIf(!NSS_MODULE)('the monitor on NSS softoken', { timeout: 180_000 }, () => {
  let probed = '';
  beforeAll(async () => {
    writeFileSync(pinFile, NSS_USER_PIN, { mode: 0o600 });
    const nss = await openNss();
    await nss.provider.close();
    initArgs = parsePkcs11Uri(nss.uri).initArgs!;
    probed = config('probed', [`probe_key: ${PROBE_KEY}`]);
    const r = await runCli([
      'keys',
      'generate',
      '--config',
      probed,
      '--type',
      'ec-p256',
      '--label',
      PROBE_KEY,
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('monitor --once: the probe signs and verifies on NSS, and the metrics say so', async () => {
    const r = await runCli(['monitor', '--once', '--config', probed]);
    expect(r.code, r.stderr).toBe(0);
    const t = `token="${TOKEN}"`;
    expect(sample(r.stdout, `olocus_hsm_up{${t}}`)).toBe(1);
    expect(sample(r.stdout, `olocus_hsm_probes_total{${t},result="ok"}`)).toBe(1);
    expect(sample(r.stdout, `olocus_hsm_unhealthy_since_timestamp_seconds{${t}}`)).toBe(0);
    for (const op of ['sign', 'verify'])
      expect(
        sample(r.stdout, `olocus_hsm_operation_duration_seconds_count{${t},operation="${op}"}`),
      ).toBeGreaterThanOrEqual(1);
    expect(r.stdout).not.toMatch(/^olocus_hsm_errors_total\{/m);
    expect(sample(r.stdout, `olocus_hsm_probe_duration_seconds{${t}}`)).toBeGreaterThan(0);
  });

  it('a probe key missing from the NSS token: exit 3, one sentence naming it and the token', async () => {
    const r = await runCli([
      'monitor',
      '--once',
      '--config',
      config('missing', ['probe_key: no-such-probe']),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `error: HSM error 101 (key not found): The probe key "no-such-probe" (hsm.monitoring.probe_key) is not on token "${TOKEN}"; create a signing key with that label for the monitor, or remove the setting to probe with token checks only.\n`,
    );
    expect(r.stdout).toBe('');
  });

  it('the probe key deleted under a running monitor: /healthz turns 503 and the metrics count 101', async () => {
    const cfg = config('running', [`probe_key: ${PROBE_KEY}`, 'health_check_interval: 1s']);
    const mon = await startMonitor(['--config', cfg, '--listen', '127.0.0.1:0']);
    try {
      const first = await fetch(`${mon.url}/healthz`);
      expect(first.status).toBe(200);
      deleteOnNss(PROBE_KEY);
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = (await fetch(`${mon.url}/healthz`)).status;
      }
      expect(status).toBe(503);
      const text = await (await fetch(`${mon.url}/metrics`)).text();
      expect(sample(text, `olocus_hsm_up{token="${TOKEN}"}`)).toBe(0);
      expect(text).toMatch(
        new RegExp(`^olocus_hsm_errors_total\\{token="${TOKEN}",operation="sign",code="101"`, 'm'),
      );
    } finally {
      expect(await mon.stop()).toBe(0);
    }
  });
});
