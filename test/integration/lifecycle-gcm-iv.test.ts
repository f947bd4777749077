// AES-GCM with the IV rules of the module, for real: the faulty-pkcs11 shim forwards to SoftHSM
// and, on C_EncryptInit with CKM_AES_GCM, behaves as AWS CloudHSM documents (ignores the caller's
// IV, uses its own and writes it into CK_GCM_PARAMS.pIv), or uses its own IV and says nothing.
// It logs the IV it received and the IV it used, so each test checks what the module was given
// against what the ciphertext envelope records. OLOCUS_VENDOR_QUIRKS gives the SoftHSM behind the
// shim CloudHSM's `gcmIv: module-generated` quirk.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CiphertextEnvelope } from '../../src/main/lifecycle/crypto';
import { CeremonyService } from '../../src/main/service/index';
import { ErrorCode } from '../../src/shared/errors';
import { buildFaultyModule } from '../helpers/faulty-module';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const t = createToken('gcm-iv', '135790');
const work = mkdtempSync(join(tmpdir(), 'olocus-gcm-iv-'));
const pinFile = join(work, 'pin');
writeFileSync(pinFile, t.userPin, { mode: 0o600 });
const log = join(work, 'gcm.log');
const quirks = join(work, 'quirks.json');
writeFileSync(quirks, JSON.stringify({ softhsm: { gcmIv: 'module-generated' } }));
const inventory = join(work, 'inventory.json');
const ZERO = '00'.repeat(12);

let shim: string;
let service: CeremonyService;
let tokenUri: string;
const key = (object: string) => tokenUri.replace('?', `;object=${object}?`);

beforeAll(async () => {
  shim = buildFaultyModule(work);
  process.env.FAULTY_P11_MODULE = SOFTHSM_MODULE;
  process.env.FAULTY_P11_GCM_LOG = log;
  tokenUri = `pkcs11:token=${t.label}?module-path=${shim}&pin-source=file:${pinFile}`;
  service = new CeremonyService({ keyInventory: inventory });
  await service.generateKey(tokenUri, 'aes-256', 'data');
}, 60_000);

afterEach(() => {
  delete process.env.FAULTY_P11_GCM_IV;
  delete process.env.OLOCUS_VENDOR_QUIRKS;
});

afterAll(async () => {
  await service.close();
  for (const k of ['FAULTY_P11_MODULE', 'FAULTY_P11_GCM_LOG']) delete process.env[k];
  rmSync(work, { recursive: true, force: true });
});

/** The shim's log line of the last AES-GCM C_EncryptInit: the IV received and the IV used. */
function lastInit(): { received: string; used: string } {
  const line = readFileSync(log, 'utf8').trim().split('\n').pop()!;
  const m = /^received=([0-9a-f]+) used=([0-9a-f]+)$/.exec(line)!;
  return { received: m[1]!, used: m[2]! };
}
const ivOf = (e: CiphertextEnvelope) => Buffer.from(e.iv!, 'base64').toString('hex');
const encrypt = (text: string) =>
  service.lifecycle.encrypt(key('data'), Buffer.from(text), { inventory });
const decrypt = async (e: CiphertextEnvelope) =>
  Buffer.from(
    (await service.lifecycle.decrypt(key('data'), e, { inventory })).plaintext,
  ).toString();
const refusal = async (p: Promise<unknown>) => {
  const e = (await p.then(
    () => null,
    (err: unknown) => err,
  )) as { code: number; message: string } | null;
  expect(e, 'expected a refusal').not.toBeNull();
  return e!;
};

describe('AES-GCM IV: a module that uses the caller IV (PKCS#11 2.40)', () => {
  it('without the quirk the module gets a random IV of the app, and the envelope records it', async () => {
    const a = await encrypt('first');
    const b = await encrypt('second');
    const { received, used } = lastInit();
    expect(received).toBe(used);
    expect(ivOf(b)).toBe(used);
    expect(used).not.toBe(ZERO);
    expect(ivOf(a)).not.toBe(ivOf(b));
    expect(await decrypt(a)).toBe('first');
    expect(await decrypt(b)).toBe('second');
  });

  it('with the quirk but no IV written back, encrypt is refused (104) and no ciphertext is returned', async () => {
    process.env.OLOCUS_VENDOR_QUIRKS = quirks;
    const e = await refusal(encrypt('lost'));
    expect(e.code).toBe(ErrorCode.MECHANISM_UNSUPPORTED);
    expect(e.message).toBe(
      `The SoftHSM v2 profile (as corrected by ${quirks}) says token "${t.label}" generates the AES-GCM IV and writes it into CK_GCM_PARAMS.pIv, but it wrote none back, so the ciphertext is discarded: it could not be decrypted.`,
    );
    // The module was handed the zeroed buffer, as CloudHSM asks.
    expect(lastInit()).toEqual({ received: ZERO, used: ZERO });
  });
});

describe('AES-GCM IV: a module that generates its own and writes it to pIv (AWS CloudHSM)', () => {
  it('with the quirk the module gets a zeroed IV, the envelope carries the one it wrote back, and it decrypts', async () => {
    process.env.OLOCUS_VENDOR_QUIRKS = quirks;
    process.env.FAULTY_P11_GCM_IV = 'generate';
    const c = await encrypt('cloud secret');
    const { received, used } = lastInit();
    expect(received).toBe(ZERO);
    expect(used).not.toBe(ZERO);
    expect(ivOf(c)).toBe(used);
    expect(await decrypt(c)).toBe('cloud secret');
  });

  it('without the quirk the written-back IV is still noticed and recorded, not the one the app sent', async () => {
    process.env.FAULTY_P11_GCM_IV = 'generate';
    const c = await encrypt('noticed');
    const { received, used } = lastInit();
    expect(received).not.toBe(ZERO);
    expect(used).not.toBe(received);
    expect(ivOf(c)).toBe(used);
    expect(await decrypt(c)).toBe('noticed');
  });
});

describe('AES-GCM IV: a module that ignores the IV and says nothing', () => {
  it('decrypt fails with a sentence naming the IV rule, not with wrong plaintext', async () => {
    process.env.FAULTY_P11_GCM_IV = 'ignore';
    const c = await encrypt('unrecoverable');
    const { received, used } = lastInit();
    expect(used).not.toBe(received);
    expect(ivOf(c)).toBe(received);
    delete process.env.FAULTY_P11_GCM_IV;
    const e = await refusal(decrypt(c));
    expect(e.code).toBe(ErrorCode.OPERATION_FAILED);
    expect(e.message).toBe(
      'The AES-GCM ciphertext did not pass its tag check with version 1 ("data") of "data" (CKR_GENERAL_ERROR): the ciphertext or its IV was altered, or the module that encrypted it used an IV other than the one the envelope records (a module that makes its own IV needs the gcmIv vendor quirk, docs/vendors.md). No plaintext was released.',
    );
    // The version still decrypts what was made with the IV it records.
    expect(await decrypt(await encrypt('still fine'))).toBe('still fine');
  });
});
