// A group across two PKCS#11 implementations: a SoftHSM token and an NSS softoken database
// holding the same RSA key. Opening proves the key equal on both; signatures from either member
// verify with the one public key.
import { createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmGroup } from '../../src/main/cluster';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { ErrorCode } from '../../src/shared/errors';
import { groupTokens, openMember } from '../helpers/group-tokens';
import { importKeyPair, makeKeyPair } from '../helpers/known-key';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';
import type { NssToken } from '../helpers/nss';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const g = groupTokens(['nss-peer-a']);
const key = makeKeyPair('rsa-2048');
let anchor: Pkcs11Provider;
let nss: NssToken | undefined;
let nssMember = '';
const groups: HsmGroup[] = [];

beforeAll(async () => {
  if (!NSS_MODULE) return;
  anchor = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: 'nss-peer-a' },
  });
  importKeyPair('nss-peer-a', '314159', 'shared', key);
  nss = await openNss();
  importKeyPair('NSS Certificate DB', NSS_USER_PIN, 'shared', key, NSS_MODULE);
  importKeyPair('NSS Certificate DB', NSS_USER_PIN, 'other', makeKeyPair('rsa-2048'), NSS_MODULE);
  importKeyPair('nss-peer-a', '314159', 'other', makeKeyPair('rsa-2048'));
  const pinFile = join(g.work, 'nss-pin');
  writeFileSync(pinFile, NSS_USER_PIN, { mode: 0o600 });
  nssMember = `${nss.uri}&pin-source=file:${pinFile}`;
});
afterAll(async () => {
  for (const grp of groups) await grp.close();
  await nss?.provider.close();
  await anchor?.close();
});

describe.skipIf(!NSS_MODULE)('a SoftHSM token and NSS softoken in one group', () => {
  it('the same key on both opens as one signer; round-robin signs on each and every signature verifies', async () => {
    const grp = await HsmGroup.open({
      name: 'mixed',
      members: [g.uris[0]!, nssMember],
      keyLabel: 'shared',
      open: openMember,
    });
    groups.push(grp);
    const pub = createPublicKey(key);
    for (let i = 0; i < 10; i++) {
      const data = Buffer.from(`mixed ${i}`);
      const r = await grp.sign(data);
      expect(verify('sha256', data, pub, Buffer.from(r.signature))).toBe(true);
    }
    expect(grp.report().map((m) => [m.name, m.signed])).toEqual([
      ['nss-peer-a', 5],
      ['NSS Certificate DB', 5],
    ]);
  });

  it('different keys under one label on the two implementations are refused, naming the NSS member', async () => {
    const err = await HsmGroup.open({
      name: 'mixed',
      members: [g.uris[0]!, nssMember],
      keyLabel: 'other',
      open: openMember,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.POLICY_VIOLATION });
    expect((err as Error).message).toContain(
      'Member NSS Certificate DB of group mixed holds a different key "other"',
    );
  });
});
