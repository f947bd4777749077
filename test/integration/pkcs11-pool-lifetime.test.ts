// pool.max_lifetime on a real SoftHSM token: idle sessions older than it are replaced by the
// health check, the login survives (the new session opens before the old one closes), and a
// pool without it keeps its sessions.
import { afterAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('lifetime');
const DATA = Buffer.from('lifetime');
const opened: Pkcs11Provider[] = [];
afterAll(async () => {
  for (const p of opened) await p.close();
});

async function open(maxLifetimeMs?: number): Promise<Pkcs11Provider> {
  const p = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: token.label },
    // Timers far away: maintainPool() is called by the test, when it wants.
    pool: {
      minSessions: 2,
      maxSessions: 4,
      healthCheckIntervalMs: 3_600_000,
      idleTimeoutMs: 3_600_000,
      ...(maxLifetimeMs !== undefined ? { maxLifetimeMs } : {}),
    },
  });
  opened.push(p);
  await p.login(pin(token.userPin));
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pool.max_lifetime', () => {
  it('replaces idle sessions older than it, keeping the login', async () => {
    const p = await open(100);
    await p.generateKeyPair('ec-p256', { label: 'life-key' });
    await sleep(150);
    await p.maintainPool();
    const st = (await p.poolStats())!;
    expect(st.replaced).toBeGreaterThanOrEqual(2);
    expect(st.open).toBe(2);
    expect(st.loggedIn).toBe(true);
    // Private keys are still usable: the login was never dropped.
    const r = await p.sign({ label: 'life-key' }, DATA);
    expect(await p.verify({ label: 'life-key' }, DATA, r.signature)).toBe(true);
  });

  it('leaves sessions younger than it, and a pool without it, alone', async () => {
    const young = await open(60_000);
    const none = await open();
    await sleep(150);
    await young.maintainPool();
    await none.maintainPool();
    expect((await young.poolStats())!.replaced).toBe(0);
    expect((await none.poolStats())!.replaced).toBe(0);
  });
});
