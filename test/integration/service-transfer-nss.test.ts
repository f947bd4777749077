// The Transfer screen's call (IPC migrateKey, the service's migrate) between SoftHSM and NSS
// softoken, both directions, RSA and AES: the NSS URI carries its database in x-init-args, the
// answer passes the contract's response schema (the harness checks it) and names the RFC 5649
// number each side's module used, and the copy is proven and listed on the target.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationResult } from '../../src/shared/contract-wizard';
import { ipcHarness } from '../helpers/ipc-harness';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';
import { SOFTHSM_MODULE, createToken } from '../helpers/softhsm';

// Tokens first: SoftHSM reads its configuration when the library is first opened.
const a = NSS_MODULE ? createToken('screen-softhsm', '112233') : null;
const work = mkdtempSync(join(tmpdir(), 'olocus-service-nss-'));
const pinA = join(work, 'a.pin');
const pinN = join(work, 'n.pin');
let soft = '';
let nss = '';
const keyOn = (token: string, label: string, type: string) =>
  token.replace('?', `;object=${label};type=${type}?`);

const { service, problems, invoke } = ipcHarness();
const labelsOn = async (token: string) =>
  (await invoke('listKeys', { hsmUri: token })).keys.map((k) => `${k.class}:${k.label}`).sort();

const SOFTHSM_KWP = {
  mechanism: 0x210a,
  name: 'CKM_AES_KEY_WRAP_PAD (0x210A)',
  decidedBy: 'probe',
};
const NSS_KWP = { mechanism: 0x210b, name: 'CKM_AES_KEY_WRAP_KWP (0x210B)', decidedBy: 'list' };

describe.skipIf(!NSS_MODULE)(
  'migrateKey between SoftHSM and NSS softoken',
  { timeout: 180_000 },
  () => {
    beforeAll(async () => {
      writeFileSync(pinA, a!.userPin, { mode: 0o600 });
      writeFileSync(pinN, NSS_USER_PIN, { mode: 0o600 });
      soft = `pkcs11:token=${a!.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinA}`;
      // The database gets its user PIN here; the service then opens it by URI, as the screen does.
      const db = await openNss();
      await db.provider.close();
      nss = `${db.uri}&pin-source=file:${pinN}`;
    });
    afterAll(async () => {
      await service.close();
      rmSync(work, { recursive: true, force: true });
    });

    for (const [from, to] of [
      ['softhsm', 'nss'],
      ['nss', 'softhsm'],
    ] as const)
      for (const [type, cls] of [
        ['rsa-2048', 'private'],
        ['aes-256', 'secret-key'],
      ] as const)
        it(`${from} → ${to}: ${type} moves, proven, with each side's RFC 5649 number`, async () => {
          const [src, dst] = from === 'softhsm' ? [soft, nss] : [nss, soft];
          const label = `screen-${from}-${type}`;
          const made = await invoke('generateKey', { hsmUri: src, type, label, extractable: true });
          const before = await labelsOn(dst);
          const r = await invoke('migrateKey', { fromUri: keyOn(src, label, cls), toUri: dst });
          // The harness parsed the answer with the response schema; the numbers survived it.
          expect(migrationResult.parse(r)).toEqual(r);
          expect(r.kwp).toEqual(
            from === 'softhsm'
              ? { source: SOFTHSM_KWP, target: NSS_KWP }
              : { source: NSS_KWP, target: SOFTHSM_KWP },
          );
          if (type === 'aes-256') {
            expect(r.proof).toMatchObject({ method: 'kcv', kcvMatch: true });
            expect(r.target.kcv).toBe(made.key.kcv);
          } else {
            expect(r.proof.signatureVerified).toBe(true);
            expect(r.target.spkiSha256).toBe(made.key.spkiSha256);
          }
          const cls2 = cls === 'secret-key' ? 'secret' : 'private';
          const added = (await labelsOn(dst)).filter((l) => !before.includes(l));
          // The key (and, for a pair, its public half) and nothing else: no transport key left.
          expect(added).toEqual(
            cls2 === 'private' ? [`private:${label}`, `public:${label}`] : [`secret:${label}`],
          );
          expect(problems).toEqual([]);
        });
  },
);
