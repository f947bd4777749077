// The operations side embedding the service with a monitor: every operation the service runs is
// timed, and failures are counted by their code and the module's CKR name. Without a monitor
// (the desktop app's case) nothing is measured.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/main/monitoring/monitor';
import { CeremonyService } from '../../src/main/service';
import { SOFTHSM_MODULE, createToken } from '../helpers/softhsm';

const t = createToken('mon-service', '135790');
const work = mkdtempSync(join(tmpdir(), 'olocus-mon-service-'));
const goodPin = join(work, 'pin');
const badPin = join(work, 'bad-pin');
writeFileSync(goodPin, t.userPin, { mode: 0o600 });
writeFileSync(badPin, '000000', { mode: 0o600 });
const uri = (pinFile: string, object?: string) =>
  `pkcs11:token=${t.label}${object ? `;object=${object};type=private` : ''}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
const settings = {
  metricsIntervalMs: 60_000,
  healthCheckIntervalMs: 60_000,
  thresholds: { latencySeconds: 0.5, errorRate: 0.01, poolUse: 0.8 },
  log: () => undefined,
};
const services: CeremonyService[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a service with a monitor', () => {
  it('times generate, login and sign, and counts a failed sign as 101', async () => {
    const monitor = new Monitor(settings);
    const service = new CeremonyService({ monitor });
    services.push(service);
    await service.generateKey(uri(goodPin), 'ec-p256', 'svc-key');
    await service.sign(uri(goodPin, 'svc-key'), new Uint8Array([1, 2, 3]));
    await service.sign(uri(goodPin, 'svc-key'), new Uint8Array([4]));
    await expect(
      service.sign(uri(goodPin, 'no-such-key'), new Uint8Array([5])),
    ).rejects.toMatchObject({ code: 101 });
    const text = await monitor.metrics.text();
    const count = (op: string) =>
      new RegExp(
        `olocus_hsm_operation_duration_seconds_count\\{token="mon-service",operation="${op}"\\} (\\d+)`,
      ).exec(text)?.[1];
    expect(count('generate')).toBe('1');
    expect(count('login')).toBe('1');
    expect(count('sign')).toBe('3');
    expect(text).toContain(
      'olocus_hsm_errors_total{token="mon-service",operation="sign",code="101",ckr="none"} 1',
    );
    // The pool the service uses is the one the gauges read.
    expect(text).toMatch(/olocus_hsm_pool_sessions\{token="mon-service",state="open"\} [1-9]/);
    // And the monitor probes the token the service opened.
    await monitor.probeAll();
    expect(monitor.health()).toEqual({ ok: true, tokens: [{ token: 'mon-service', up: true }] });
    await monitor.stop();
    // Logged out with the last session, so the next test's login is a real one.
    await service.close();
  }, 30_000);

  it('counts a wrong PIN under 102 with the CKR name the module said', async () => {
    const monitor = new Monitor(settings);
    const service = new CeremonyService({ monitor });
    services.push(service);
    await expect(service.sign(uri(badPin, 'svc-key'), new Uint8Array([1]))).rejects.toMatchObject({
      code: 102,
      ckr: 'CKR_PIN_INCORRECT',
    });
    const text = await monitor.metrics.text();
    expect(text).toContain(
      'olocus_hsm_errors_total{token="mon-service",operation="login",code="102",ckr="CKR_PIN_INCORRECT"} 1',
    );
    expect(text).not.toContain('operation="sign"');
    await monitor.stop();
  }, 30_000);
});
