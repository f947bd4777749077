// An HSM that disappears mid-step: SoftHSM's token store is moved away under a running
// provider, as a USB token is pulled or a network HSM drops off.
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { ErrorCode } from '../../src/shared/errors';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

const root = useSoftHsm();
const token = createToken('removable');
let hsm: Pkcs11Provider;

beforeAll(async () => {
  hsm = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: token.label } });
  await hsm.login(pin(token.userPin));
  await hsm.generateKeyPair('ec-p256', { label: 'signer' });
});
afterAll(() => hsm.close());

it('an operation on a token that was removed fails with 103 naming the token, not a misleading "key not found"', async () => {
  await hsm.sign({ label: 'signer' }, Buffer.from('before'));
  const [store] = readdirSync(join(root, 'tokens'));
  renameSync(join(root, 'tokens', store!), join(root, 'away'));
  const signErr = await hsm
    .sign({ label: 'signer' }, Buffer.from('during'))
    .catch((e: unknown) => e);
  expect(signErr).toMatchObject({ code: ErrorCode.TOKEN_NOT_FOUND });
  expect((signErr as Error).message).toMatch(
    /^Token "removable" \(serial [0-9a-f]+\) is no longer present: it was removed or disconnected while signing/,
  );
  const genErr = await hsm
    .generateKeyPair('ec-p256', { label: 'during-removal' })
    .catch((e: unknown) => e);
  expect(genErr).toMatchObject({ code: ErrorCode.TOKEN_NOT_FOUND });
  const health = await hsm.health();
  expect(health).toMatchObject({ ok: false, detail: expect.stringContaining('HSM error 103') });
});
