// Monitor targets beyond the config's token, on real parts: the members of an HSM group (two
// SoftHSM tokens holding one key; a pulled token shows as out in its state gauge and fires
// OlocusHsmGroupMemberOut), a key family past its rotation date (the gauge, the alert and the
// webhook POST to a loopback receiver), and an Azure key probed by sign-and-verify through the
// real SDK against the loopback fake (`monitor --once --cloud-key`).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { parseHsmConfig } from '../../src/main/config/index';
import type { WebhookPayload } from '../../src/main/monitoring/webhook';
import { CeremonyService } from '../../src/main/service/index';
import { startAzureRig } from '../fakes/azure/index';
import { runCli } from '../helpers/cli';
import { groupTokens } from '../helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const noLog = () => undefined;

// Every token is made before the first provider opens (SoftHSM reads its store at start).
const g = groupTokens(['mon-g1', 'mon-g2']);
const rotating = createToken('mon-rotate', '271828');
const cloudToken = createToken('mon-cloud', '161803');
beforeAll(async () => {
  // The raw client that imports the shared key joins the module this provider loaded.
  const anchor = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: 'mon-g1' },
  });
  cleanups.push(() => anchor.close());
  const key = makeKeyPair('ec-p256');
  for (const t of ['mon-g1', 'mon-g2']) importKeyPair(t, '314159', 'root-2026', key);
});

function configOf(lines: string[]) {
  return parseHsmConfig(lines.join('\n'), 'c.yaml', { machineChecks: false }).config;
}

describe('group members as monitor targets', { timeout: 120_000 }, () => {
  it('one state gauge per member; a pulled token is out and fires OlocusHsmGroupMemberOut', async () => {
    cleanups.push(() => rmSync(g.work, { recursive: true, force: true }));
    const config = configOf([
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${SOFTHSM_MODULE}`,
      '    token_label: mon-g1',
      `    pin_source: "file:${join(g.work, 'pin')}"`,
      'cluster:',
      '  name: signers',
      `  primary: "${g.uris[0]}"`,
      `  backups: ["${g.uris[1]}"]`,
    ]);
    const service = new CeremonyService({ config });
    cleanups.push(() => service.close());
    const { monitor } = await service.monitor({
      log: noLog,
      watch: { group: 'group:signers/root-2026' },
    });
    cleanups.push(() => monitor.stop());
    await monitor.once();
    const text = await monitor.metrics.text();
    for (const m of ['mon-g1', 'mon-g2']) {
      expect(text).toContain(
        `olocus_hsm_group_member_state{group="signers",member="${m}",state="healthy"} 1`,
      );
      expect(text).toContain(
        `olocus_hsm_group_member_state{group="signers",member="${m}",state="out"} 0`,
      );
    }
    expect(monitor.firing()).toEqual([]);

    const store = g.stores.get('mon-g2')!;
    renameSync(store, `${store}.away`);
    try {
      await monitor.probeAll();
      const changes = await monitor.evaluate();
      expect(changes.map((a) => [a.status, a.labels])).toEqual([
        [
          'firing',
          {
            alertname: 'OlocusHsmGroupMemberOut',
            severity: 'critical',
            group: 'signers',
            member: 'mon-g2',
          },
        ],
      ]);
      expect(changes[0]!.annotations.description).toMatch(/HSM error 103/);
      const after = await monitor.metrics.text();
      expect(after).toContain(
        'olocus_hsm_group_member_state{group="signers",member="mon-g2",state="out"} 1',
      );
      expect(after).toContain(
        'olocus_hsm_group_member_state{group="signers",member="mon-g1",state="healthy"} 1',
      );
      expect(after).toContain(
        'olocus_hsm_alerts_firing{alertname="OlocusHsmGroupMemberOut",token="signers/mon-g2"} 1',
      );
    } finally {
      renameSync(`${store}.away`, store);
    }
  });
});

describe('rotation due', { timeout: 120_000 }, () => {
  it('a family past its rotation date: negative seconds, OlocusKeyRotationDue, and the webhook gets it', async () => {
    const t = rotating;
    const work = mkdtempSync(join(tmpdir(), 'olocus-mon-rotate-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const pinFile = join(work, 'pin');
    writeFileSync(pinFile, t.userPin, { mode: 0o600 });
    const bodies: WebhookPayload[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body) as WebhookPayload);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const config = configOf([
      'hsm:',
      '  provider: softhsm',
      '  pkcs11:',
      `    module_path: ${SOFTHSM_MODULE}`,
      '    token_label: mon-rotate',
      `    pin_source: "file:${pinFile}"`,
      '  monitoring:',
      `    notification_webhook: ${url}`,
    ]);
    let clock = new Date('2027-01-01T00:00:00Z');
    const service = new CeremonyService({
      config,
      now: () => clock,
      keyInventory: join(work, 'inventory.json'),
    });
    cleanups.push(() => service.close());
    await service.generateKey(undefined, 'ec-p256', 'root');
    await service.generateKey(undefined, 'ec-p256', 'fresh');
    await service.lifecycle.rotate('root', { inventory: join(work, 'inventory.json') });
    clock = new Date('2027-03-01T00:00:00Z');
    await service.lifecycle.rotate('fresh', { inventory: join(work, 'inventory.json') });

    // 2027-01-01 + the default 90 days is 2027-04-01; at 2027-04-03 root is two days overdue.
    clock = new Date('2027-04-03T00:00:00Z');
    const { monitor } = await service.monitor({ log: noLog });
    cleanups.push(() => monitor.stop());
    await monitor.once();
    const text = await monitor.metrics.text();
    expect(text).toContain(`olocus_hsm_key_rotation_due_seconds{family="root"} ${-2 * 86400}`);
    expect(text).toMatch(/olocus_hsm_key_rotation_due_seconds\{family="fresh"\} \d+/);
    expect(monitor.firing().map((a) => a.labels)).toEqual([
      { alertname: 'OlocusKeyRotationDue', severity: 'warning', family: 'root' },
    ]);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.status).toBe('firing');
    expect(bodies[0]!.alerts.map((a) => [a.labels.alertname, a.labels.family])).toEqual([
      ['OlocusKeyRotationDue', 'root'],
    ]);
    expect(bodies[0]!.alerts[0]!.annotations.description).toBe(
      'root v2 (root@v2) was due for rotation on 2027-04-01; run keys rotate.',
    );
    // The app's own field never reaches a receiver.
    expect(JSON.stringify(bodies[0])).not.toContain('measure');
  });
});

describe('cloud keys as monitor targets', { timeout: 180_000 }, () => {
  it('monitor --once --cloud-key probes an Azure key by sign and verify, timed as operations', async () => {
    const VAULT = 'monitor.vault.olocus.test';
    const rig = await startAzureRig({ vaults: [{ host: VAULT }] });
    cleanups.push(() => rig.fake.close());
    const t = cloudToken;
    const work = mkdtempSync(join(tmpdir(), 'olocus-mon-cloud-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const pinFile = join(work, 'pin');
    writeFileSync(pinFile, t.userPin, { mode: 0o600 });
    const config = join(work, 'hsm-config.yaml');
    writeFileSync(
      config,
      [
        'hsm:',
        '  provider: softhsm',
        '  pkcs11:',
        `    module_path: ${SOFTHSM_MODULE}`,
        '    token_label: mon-cloud',
        `    pin_source: "file:${pinFile}"`,
        '',
      ].join('\n'),
    );
    const key = `azurekv://${VAULT}/keys/probe`;
    const made = await runCli(['azure', 'keys', 'create', '--key', key, '--type', 'ec-p256'], {
      env: rig.env,
    });
    expect(made.code, made.stderr).toBe(0);
    const r = await runCli(
      ['monitor', '--config', config, '--once', '--cloud-key', key, '--json'],
      { env: rig.env },
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      tokens: string[];
      health: { ok: boolean; tokens: { token: string; up: boolean }[] };
      metrics: string;
    };
    expect(doc.tokens).toEqual(['mon-cloud', key]);
    expect(doc.health.tokens).toEqual([
      { token: 'mon-cloud', up: true },
      { token: key, up: true },
    ]);
    expect(doc.metrics).toContain(`olocus_hsm_up{token="${key}"} 1`);
    expect(doc.metrics).toContain(
      `olocus_hsm_operation_duration_seconds_count{token="${key}",operation="sign"} 1`,
    );
    expect(doc.metrics).toContain(
      `olocus_hsm_operation_duration_seconds_count{token="${key}",operation="verify"} 1`,
    );

    // A key the vault does not hold: the probe fails with the provider's sentence, exit 3.
    const gone = `azurekv://${VAULT}/keys/no-such-key`;
    const bad = await runCli(
      ['monitor', '--config', config, '--once', '--cloud-key', gone, '--json'],
      {
        env: rig.env,
      },
    );
    expect(bad.code).toBe(3);
    const badDoc = JSON.parse(bad.stdout) as {
      health: { tokens: { token: string; up: boolean; detail?: string }[] };
    };
    expect(badDoc.health.tokens[1]).toMatchObject({ token: gone, up: false });
    expect(badDoc.health.tokens[1]!.detail).toMatch(/no-such-key/);

    // Not a cloud address: refused before anything is opened, exit 2.
    const wrong = await runCli(
      ['monitor', '--config', config, '--once', '--cloud-key', 'pkcs11:token=x'],
      { env: rig.env },
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      'error: A cloud key to watch is an azurekv:// or gcpkms:// address, and pkcs11:token=x is neither; PKCS#11 tokens come from the config.\n',
    );
  });
});
