// The signing fast path (sign-ring.ts): signatures travel to the PKCS#11 workers through shared
// memory that every worker pulls from. On a real SoftHSM token: many signatures in flight all
// verify, module errors keep their CKR codes, inputs too big for a slot still sign, a worker that
// stops fails only what it held, and no PIN ever reaches the shared buffer.
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11CallError } from '../../src/main/hsm/pkcs11/executor';
import type { Pkcs11Executor } from '../../src/main/hsm/pkcs11/executor';
import { acquireModule, releaseModule } from '../../src/main/hsm/pkcs11/module';
import type { LoadedModule } from '../../src/main/hsm/pkcs11/module';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { createToken, pin, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('ring');
let hsm: Pkcs11Provider;
let mod: LoadedModule;

/** The executor's worker threads and shared buffer: what a crash or a memory scan needs. */
const inside = (ex: Pkcs11Executor) =>
  ex as unknown as { lanes: { worker: Worker }[]; ringBuffer: SharedArrayBuffer };

beforeAll(async () => {
  hsm = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: token.label },
    pool: { maxSessions: 8 },
  });
  await hsm.login(pin(token.userPin));
  await hsm.generateKeyPair('ec-p256', { label: 'ring-ec' });
  await hsm.generateKeyPair('rsa-2048', { label: 'ring-rsa' });
  mod = await acquireModule(SOFTHSM_MODULE);
});
afterAll(async () => {
  await releaseModule(mod);
  await hsm.close();
});

describe('signatures through the shared ring', () => {
  it('200 signatures with 8 in flight, on EC and RSA keys, each over its own data, all verify', async () => {
    const jobs = Array.from({ length: 200 }, (_, i) => ({
      label: i % 2 ? 'ring-ec' : 'ring-rsa',
      data: Buffer.from(`document ${i}`),
    }));
    const sigs = await Promise.all(jobs.map((j) => hsm.sign({ label: j.label }, j.data)));
    const ok = await Promise.all(
      jobs.map((j, i) => hsm.verify({ label: j.label }, j.data, sigs[i]!.signature)),
    );
    expect(ok.every(Boolean)).toBe(true);
    // A signature checked against another document's data fails: each slot carried its own.
    expect(await hsm.verify({ label: 'ring-ec' }, jobs[3]!.data, sigs[1]!.signature)).toBe(false);
  });

  it('an input larger than a ring slot still signs (it takes the message path)', async () => {
    const big = Buffer.alloc(64 * 1024, 7);
    const r = await hsm.sign({ label: 'ring-ec' }, big);
    expect(await hsm.verify({ label: 'ring-ec' }, big, r.signature)).toBe(true);
  });

  it("a module error keeps its CKR name and number, and the session's slot is reused", async () => {
    const ex = mod.executor;
    const slots = await ex.call<{ slot: Uint8Array; tokenInfo: { label: string } | null }[]>({
      op: 'slots',
      tokenPresent: true,
    });
    const slot = slots.find((s) => s.tokenInfo?.label.trim() === token.label)!.slot;
    const session = await ex.call<Uint8Array>({ op: 'openSession', slot, rw: false });
    const bogusSign = (bytes: number): Promise<Pkcs11CallError> =>
      ex
        .call<never>({
          op: 'sign',
          session,
          mech: { mechanism: 0x1041 },
          key: Buffer.alloc(8, 0x7f),
          data: Buffer.alloc(bytes),
          outLen: 64,
        })
        .catch((e: unknown) => e as Pkcs11CallError);
    // The message path (an input too big for a slot) is the reference.
    const reference = await bogusSign(8192);
    expect(reference).toBeInstanceOf(Pkcs11CallError);
    expect(reference.ckr).toMatch(/^CKR_(KEY|OBJECT)_HANDLE_INVALID$/);
    for (let i = 0; i < 100; i++) {
      const err = await bogusSign(32);
      expect(err).toBeInstanceOf(Pkcs11CallError);
      expect([err.message, err.ckr, err.rv, err.tainted]).toEqual([
        reference.message,
        reference.ckr,
        reference.rv,
        reference.tainted,
      ]);
    }
    await ex.call({ op: 'closeSession', session });
    // More failures than the ring has slots: each was given back.
    expect((await hsm.sign({ label: 'ring-ec' }, Buffer.from('after'))).signature.length).toBe(64);
  });

  it('no PIN reaches the shared buffer: after a login and signatures, its bytes are not in it', async () => {
    const secret = '739164-ring-user-pin';
    await hsm.logout();
    // The token's PIN stays as it is; a wrong one goes the same way to the worker and back.
    await hsm.login(new TextEncoder().encode(secret)).catch(() => undefined);
    await hsm.login(pin(token.userPin));
    await hsm.sign({ label: 'ring-ec' }, Buffer.from('x'));
    const shared = Buffer.from(inside(mod.executor).ringBuffer);
    expect(shared.includes(Buffer.from(secret))).toBe(false);
    expect(shared.includes(Buffer.from(token.userPin))).toBe(false);
  });
});

describe('a worker that stops', () => {
  it('fails only the signatures it held; the other worker takes the queued ones', async () => {
    const lanes = inside(mod.executor).lanes;
    expect(lanes.length).toBe(2);
    const inFlight = Array.from({ length: 64 }, (_, i) =>
      hsm.sign({ label: 'ring-ec' }, Buffer.from(`stop ${i}`)).then(
        () => 'signed',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      ),
    );
    await new Promise((r) => setTimeout(r, 2));
    await lanes[0]!.worker.terminate();
    const outcomes = await Promise.all(inFlight);
    // At most what the stopped worker had taken fails (8 sessions: at most 8 at a time).
    expect(outcomes.filter((o) => o !== 'signed').length).toBeLessThanOrEqual(8);
    expect(outcomes.filter((o) => o === 'signed').length).toBeGreaterThanOrEqual(56);
    expect(lanes.length).toBe(1);
    const after = await hsm.sign({ label: 'ring-ec' }, Buffer.from('after one stopped'));
    expect(
      await hsm.verify({ label: 'ring-ec' }, Buffer.from('after one stopped'), after.signature),
    ).toBe(true);
  });

  it('with no worker left, signatures in flight fail with a sentence rather than hang', async () => {
    const lanes = inside(mod.executor).lanes;
    const inFlight = Array.from({ length: 16 }, (_, i) =>
      hsm.sign({ label: 'ring-ec' }, Buffer.from(`last ${i}`)).then(
        () => 'signed',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      ),
    );
    await lanes[0]!.worker.terminate();
    const outcomes = await Promise.all(inFlight);
    expect(outcomes.some((o) => o !== 'signed')).toBe(true);
    // Each failure is one of the provider's sentences (without a worker the token is unreachable).
    for (const o of outcomes.filter((x) => x !== 'signed')) expect(o).toMatch(/^[A-Z].*\.$/s);
    await expect(hsm.sign({ label: 'ring-ec' }, Buffer.from('none left'))).rejects.toThrow();
  });
});
