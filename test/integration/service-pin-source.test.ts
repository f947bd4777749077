// A token the service has logged in is not handed to a later request that names another PIN
// source: that request never proved it knows the PIN. The same source keeps working, and a
// request without one (public objects, or the open session) is unchanged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../src/main/service';
import { OlocusError } from '../../src/shared/errors';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const t = createToken('pin-source-check', '135790');
// Made before the module is loaded: SoftHSM lists the tokens it found when it initialised.
const t2 = createToken('pin-source-race', '246802');
const work = mkdtempSync(join(tmpdir(), 'olocus-pin-source-'));
const right = join(work, 'right.pin');
const other = join(work, 'other.pin');
writeFileSync(right, t.userPin, { mode: 0o600 });
writeFileSync(other, 'not-the-pin', { mode: 0o600 });
const uri = (query: string) => `pkcs11:token=${t.label}?module-path=${SOFTHSM_MODULE}${query}`;
const service = new CeremonyService();
afterAll(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});

async function refused(p: Promise<unknown>): Promise<OlocusError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OlocusError);
  return e as OlocusError;
}

describe('a later URI for a token already logged in', () => {
  it('with another pin-source is refused (108) naming both sources; the open login is untouched', async () => {
    await service.generateKey(uri(`&pin-source=file:${right}`), 'ec-p256', 'held');
    const first = await service.listKeys(uri(`&pin-source=file:${right}`));
    expect(first.keys.some((k) => k.label === 'held' && k.class === 'private')).toBe(true);

    const e = await refused(service.listKeys(uri(`&pin-source=file:${other}`)));
    expect(e.code).toBe(108);
    expect(e.message).toBe(
      `Token "${t.label}" is already logged in with the PIN from pin-source=file:${right}; a request naming pin-source=file:${other} is refused. Use the same pin-source as the open login.`,
    );
    const env = await refused(service.listKeys(uri('&pin-source=env:SOME_PIN')));
    expect(env.message).toContain('a request naming pin-source=env:SOME_PIN is refused');

    // The same source again, and the open login itself, still work.
    const again = await service.listKeys(uri(`&pin-source=file:${right}`));
    expect(again.keys.map((k) => k.label)).toEqual(first.keys.map((k) => k.label));
  });

  it('two requests racing with different sources (both holding the right PIN): one logs in, the other is refused', async () => {
    const pinA = join(work, 'race-a.pin');
    const pinB = join(work, 'race-b.pin');
    writeFileSync(pinA, t2.userPin, { mode: 0o600 });
    writeFileSync(pinB, t2.userPin, { mode: 0o600 });
    const u = (f: string) =>
      `pkcs11:token=${t2.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${f}`;
    const s = new CeremonyService();
    try {
      const results = await Promise.allSettled([s.listKeys(u(pinA)), s.listKeys(u(pinB))]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = results[0]!.status === 'fulfilled' ? pinA : pinB;
      const loser = winner === pinA ? pinB : pinA;
      const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult)
        .reason as OlocusError;
      expect(reason.message).toContain(
        `is already logged in with the PIN from pin-source=file:${winner}; a request naming pin-source=file:${loser} is refused`,
      );
    } finally {
      await s.close();
    }
  });
});
