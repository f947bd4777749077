// connection.retry_attempts and the lost-login relogin, on a real SoftHSM token that fails on
// demand: a pool of one session held by a slow RSA-4096 generation makes other operations time
// out with 105; a second PKCS#11 client in the process (raw pkcs11js) closes every session of
// the application, which ends its login, as a token reset does.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawClient } from '../helpers/raw-pkcs11';
import type { RawPkcs11 } from '../helpers/raw-pkcs11';
import { softhsmConfig } from '../helpers/hsm-config';
import { configureHsmProcess } from '../../src/main/hsm/pkcs11/process-settings';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { onHsmRetry } from '../../src/main/hsm/pkcs11/retry';
import type { RetryEvent } from '../../src/main/hsm/pkcs11/retry';
import { CeremonyService } from '../../src/main/service/index';
import { RunManager } from '../../src/main/service/run-manager';
import { ErrorCode } from '../../src/shared/errors';
import { createToken, pin, SOFTHSM_MODULE as LINK } from '../helpers/softhsm';

// One path for the library everywhere (the service opens it by its real path), and one provider
// holding it for the whole file, so it is initialised once and the raw client can share it.
const SOFTHSM_MODULE = realpathSync(LINK);

const token = createToken('retry');
const DATA = Buffer.from('retry');
const work = mkdtempSync(join(tmpdir(), 'olocus-retry-'));
const pinFile = join(work, 'user.pin');
writeFileSync(pinFile, token.userPin, { mode: 0o600 });

const events: RetryEvent[] = [];
const stop = onHsmRetry((e) => events.push(e));
let raw: RawPkcs11;
let slot: Buffer;
let holder: Pkcs11Provider;

beforeAll(async () => {
  holder = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: token.label },
  });
  await holder.login(pin(token.userPin));
  await holder.generateKeyPair('ec-p256', { label: 'retry-key' });
  ({ raw, slot } = rawClient(SOFTHSM_MODULE, token.label));
}, 60_000);
afterAll(async () => {
  stop();
  await holder.close();
  rmSync(work, { recursive: true, force: true });
});

/** One session, 50 ms to get it: any operation beside a slow one fails with 105. */
async function narrow(): Promise<Pkcs11Provider> {
  const p = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: token.label },
    pool: { minSessions: 1, maxSessions: 1, acquireTimeoutMs: 50 },
  });
  await p.login(pin(token.userPin));
  return p;
}

describe('retry_attempts: backoff and jitter, only for what is safe to repeat', () => {
  it('a sign that timed out with 105 is retried and succeeds; each retry is announced', async () => {
    const restore = configureHsmProcess({
      retry: { attempts: 40, baseDelayMs: 100, maxDelayMs: 300 },
    });
    const p = await narrow();
    try {
      events.length = 0;
      const slow = p.generateKeyPair('rsa-4096', { label: 'slow-1' });
      const r = await p.sign({ label: 'retry-key' }, DATA);
      expect(await p.verify({ label: 'retry-key' }, DATA, r.signature)).toBe(true);
      await slow;
      const mine = events.filter((e) => e.doing.includes('signing'));
      expect(mine.length).toBeGreaterThan(0);
      expect(mine[0]).toMatchObject({ attempt: 1, of: 40, code: ErrorCode.SESSION_UNAVAILABLE });
      expect(mine.every((e) => e.delayMs >= 0 && e.delayMs <= 300)).toBe(true);
    } finally {
      restore();
      await p.close();
    }
  }, 60_000);

  it("a retry during a run shows in the app's progress (runProgress warning)", async () => {
    const restore = configureHsmProcess({
      retry: { attempts: 40, baseDelayMs: 100, maxDelayMs: 300 },
    });
    const p = await narrow();
    const progress: { kind: string; message: string }[] = [];
    const runs = new RunManager((channel, payload) => {
      if (channel === 'runProgress') progress.push(payload as { kind: string; message: string });
    });
    try {
      const slow = p.generateKeyPair('rsa-4096', { label: 'slow-run' });
      const { runId } = runs.start('drill', null, async () => {
        await p.sign({ label: 'retry-key' }, DATA);
        return null as never;
      });
      await slow;
      for (let i = 0; i < 200 && runs.status(runId).state === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(progress).toContainEqual(
        expect.objectContaining({
          kind: 'warning',
          message: expect.stringMatching(/^HSM error 105 .*signing.*; retry 1 of 40 in \d+ ms\.$/),
        }),
      );
    } finally {
      restore();
      await p.close();
    }
  }, 60_000);

  it('retries exhausted: 105 with a sentence that says so, and the token as before', async () => {
    const restore = configureHsmProcess({ retry: { attempts: 2, baseDelayMs: 1 } });
    const p = await narrow();
    try {
      const before = (await p.listKeys()).map((k) => `${k.label}/${k.class}`).sort();
      events.length = 0;
      const slow = p.generateKeyPair('rsa-4096', { label: 'slow-4' });
      const err = await p.sign({ label: 'retry-key' }, DATA).catch((e: unknown) => e);
      await slow;
      expect(err).toMatchObject({
        code: ErrorCode.SESSION_UNAVAILABLE,
        message: expect.stringMatching(
          /stayed busy .* Gave up after 2 retries \(connection\.retry_attempts\)\.$/,
        ),
      });
      expect(events.map((e) => e.attempt)).toEqual([1, 2]);
      const after = (await p.listKeys()).map((k) => `${k.label}/${k.class}`).sort();
      expect(after).toEqual([...before, 'slow-4/private', 'slow-4/public'].sort());
    } finally {
      restore();
      await p.close();
    }
  }, 60_000);

  it('without retries configured, the same sign fails with 105 at once', async () => {
    const p = await narrow();
    try {
      events.length = 0;
      const slow = p.generateKeyPair('rsa-4096', { label: 'slow-2' });
      await expect(p.sign({ label: 'retry-key' }, DATA)).rejects.toMatchObject({
        code: ErrorCode.SESSION_UNAVAILABLE,
      });
      await slow;
      expect(events).toEqual([]);
    } finally {
      await p.close();
    }
  }, 60_000);

  it('a key generation that timed out is not retried: 105, and no key was made', async () => {
    const restore = configureHsmProcess({ retry: { attempts: 40, baseDelayMs: 100 } });
    const p = await narrow();
    try {
      events.length = 0;
      const slow = p.generateKeyPair('rsa-4096', { label: 'slow-3' });
      await expect(p.generateKeyPair('ec-p256', { label: 'not-twice' })).rejects.toMatchObject({
        code: ErrorCode.SESSION_UNAVAILABLE,
      });
      await slow;
      expect(events).toEqual([]);
      expect(await p.listKeys({ label: 'not-twice' })).toHaveLength(0);
    } finally {
      restore();
      await p.close();
    }
  }, 60_000);
});

describe('a lost login is re-established once from the same PIN source', () => {
  const config = softhsmConfig(token.label, pinFile, [], SOFTHSM_MODULE);

  it('after every session was closed (login gone), a sign logs in again and succeeds', async () => {
    const service = new CeremonyService({ config });
    try {
      await service.sign('retry-key', DATA);
      events.length = 0;
      raw.C_CloseAllSessions(slot);
      const r = await service.sign('retry-key', DATA);
      expect(r.signature.length).toBeGreaterThan(0);
      expect(events).toEqual([
        expect.objectContaining({
          code: ErrorCode.AUTHENTICATION_FAILED,
          ckr: 'CKR_USER_NOT_LOGGED_IN',
        }),
      ]);
    } finally {
      await service.close();
    }
  });

  it('when the PIN source cannot be read any more, the sign fails naming it and nothing is retried again', async () => {
    const other = join(work, 'other.pin');
    writeFileSync(other, token.userPin, { mode: 0o600 });
    const c2 = softhsmConfig(token.label, other, [], SOFTHSM_MODULE);
    const service = new CeremonyService({ config: c2 });
    try {
      await service.sign('retry-key', DATA);
      rmSync(other);
      mkdirSync(other);
      events.length = 0;
      raw.C_CloseAllSessions(slot);
      await expect(service.sign('retry-key', DATA)).rejects.toMatchObject({
        code: ErrorCode.INVALID_INPUT,
        message: `The PIN file ${other} is not a regular file.`,
      });
      expect(events).toHaveLength(1);
    } finally {
      await service.close();
    }
  });

  it('a provider logged in by a PIN nobody kept reports the loss as 102', async () => {
    const p = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: token.label },
    });
    try {
      await p.login(pin(token.userPin));
      await p.sign({ label: 'retry-key' }, DATA);
      raw.C_CloseAllSessions(slot);
      await expect(p.sign({ label: 'retry-key' }, DATA)).rejects.toMatchObject({
        code: ErrorCode.AUTHENTICATION_FAILED,
        ckr: 'CKR_USER_NOT_LOGGED_IN',
      });
    } finally {
      await p.close();
    }
  });
});
