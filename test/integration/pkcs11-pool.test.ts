// The session pool under load and under failure, on a real SoftHSM token. A second PKCS#11
// client in the same process (raw pkcs11js) plays the part of a token that drops sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { ErrorCode } from '../../src/shared/errors';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';
import { pkcs11js, rawClient } from '../helpers/raw-pkcs11';
import type { RawPkcs11 } from '../helpers/raw-pkcs11';

const token = createToken('pool');
const DATA = Buffer.from('pool');

let hsm: Pkcs11Provider;
let raw: RawPkcs11;
let slot: Buffer;

async function open(
  pool: Parameters<typeof Pkcs11Provider.open>[0]['pool'],
): Promise<Pkcs11Provider> {
  const p = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: token.label },
    pool,
  });
  await p.login(pin(token.userPin));
  return p;
}

/** Closes every session of this process on the token except `keep` (which keeps the login alive). */
function dropSessions(keep: Buffer): number {
  let closed = 0;
  for (let h = 1; h < 512; h++) {
    const handle = Buffer.alloc(8);
    handle.writeBigUInt64LE(BigInt(h));
    if (handle.equals(keep)) continue;
    try {
      raw.C_GetSessionInfo(handle);
      raw.C_CloseSession(handle);
      closed++;
    } catch {
      /* not a session */
    }
  }
  return closed;
}

beforeAll(async () => {
  hsm = await open({ minSessions: 1, maxSessions: 3 });
  await hsm.generateKeyPair('ec-p256', { label: 'pool-key' });
  ({ raw, slot } = rawClient(SOFTHSM_MODULE, token.label));
});
afterAll(() => hsm.close());

describe('concurrency', () => {
  it('30 concurrent signatures never open more than max_sessions, and all succeed on the shared login', async () => {
    let peak = 0;
    let waited = 0;
    const results = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const r = await hsm.sign({ label: 'pool-key' }, DATA);
        const st = (await hsm.poolStats())!;
        peak = Math.max(peak, st.open);
        waited = Math.max(waited, st.waiting);
        return r;
      }),
    );
    expect(results).toHaveLength(30);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    expect(waited).toBeGreaterThan(0);
    expect((await hsm.poolStats())!.loggedIn).toBe(true);
  });

  it('an operation that cannot get a session in time fails with 105, and the long one still completes', async () => {
    const narrow = await open({ minSessions: 1, maxSessions: 1, acquireTimeoutMs: 50 });
    try {
      const slow = narrow.generateKeyPair('rsa-4096', { label: 'slow-key' });
      const err = await narrow.sign({ label: 'pool-key' }, DATA).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: ErrorCode.SESSION_UNAVAILABLE,
        message: expect.stringContaining('stayed busy'),
      });
      expect((await slow).privateKey.type).toBe('rsa-4096');
    } finally {
      await narrow.close();
    }
  });
});

describe('idle sessions', () => {
  it('sessions idle past idle_timeout are closed down to min_sessions by the health timer', async () => {
    const p = await open({
      minSessions: 1,
      maxSessions: 4,
      idleTimeoutMs: 60,
      healthCheckIntervalMs: 25,
    });
    try {
      await Promise.all(Array.from({ length: 12 }, () => p.sign({ label: 'pool-key' }, DATA)));
      expect((await p.poolStats())!.open).toBe(4);
      // The timer does the work; poll rather than sleep a fixed time, so a loaded CI still passes.
      for (let i = 0; i < 100 && (await p.poolStats())!.open > 1; i++)
        await new Promise((r) => setTimeout(r, 20));
      const st = (await p.poolStats())!;
      expect(st.open).toBe(1);
      expect(st.reaped).toBe(3);
      // The last session carries the login: the key still signs without a new login.
      await p.sign({ label: 'pool-key' }, DATA);
    } finally {
      await p.close();
    }
  });
});

describe('lost sessions', () => {
  it('a session the token dropped is replaced and an idempotent operation is retried once', async () => {
    const keep = raw.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      await Promise.all(Array.from({ length: 6 }, () => hsm.sign({ label: 'pool-key' }, DATA)));
      const before = (await hsm.poolStats())!.replaced;
      expect(dropSessions(keep)).toBeGreaterThan(0);
      const r = await hsm.sign({ label: 'pool-key' }, DATA);
      expect(await hsm.verify({ label: 'pool-key' }, DATA, r.signature)).toBe(true);
      expect((await hsm.poolStats())!.replaced).toBeGreaterThan(before);
    } finally {
      raw.C_CloseSession(keep);
    }
  });

  it('a key generation on a dropped session is not repeated blindly: 105, and no key was made', async () => {
    const keep = raw.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      await hsm.sign({ label: 'pool-key' }, DATA);
      dropSessions(keep);
      const err = await hsm
        .generateKeyPair('ec-p256', { label: 'after-loss' })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: ErrorCode.SESSION_UNAVAILABLE,
        ckr: 'CKR_SESSION_HANDLE_INVALID',
      });
      expect(await hsm.listKeys({ label: 'after-loss' })).toHaveLength(0);
      await hsm.generateKeyPair('ec-p256', { label: 'after-loss' });
      expect(await hsm.listKeys({ label: 'after-loss' })).toHaveLength(2);
    } finally {
      raw.C_CloseSession(keep);
    }
  });

  it('when every session is gone the login is gone too: 102 asks for a new login, which then works', async () => {
    raw.C_CloseAllSessions(slot);
    await expect(hsm.sign({ label: 'pool-key' }, DATA)).rejects.toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
      ckr: 'CKR_USER_NOT_LOGGED_IN',
    });
    await hsm.login(pin(token.userPin));
    await hsm.sign({ label: 'pool-key' }, DATA);
  });
});

describe('health', () => {
  it('reports the token, latency and session counts', async () => {
    const h = await hsm.health();
    expect(h).toMatchObject({ ok: true, provider: expect.stringContaining('SoftHSM') });
    expect(h.detail).toContain('token "pool"');
    expect(h.sessions!.max).toBe(3);
  });
});
