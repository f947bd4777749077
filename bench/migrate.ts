// Migration throughput: 200 EC P-256 keys from one SoftHSM token to another with the
// rsa-aes-kwp format, through the app's migrate path (plan, checks, proofs, public half, ledger)
// against a raw pkcs11js script doing the same wraps, unwraps and post-import sign/verify check,
// and leaving the same end state (the private key and its public half on the target), in
// interleaved rounds. Each side has its own pair of tokens so that neither pays for the other's
// objects.
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Pkcs11Types from 'pkcs11js';
import { Ledger, generateSoftwareSigner } from '../src/main/audit';
import { Pkcs11Provider } from '../src/main/hsm/pkcs11/provider';
import { migrateKeys } from '../src/main/transfer';
import { alternateRounds, printRatio, ratios, spread } from './rounds';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from './softhsm';

const KEYS = Number(process.env.BENCH_MIGRATE_KEYS ?? 200);
// The keys are moved in ROUNDS interleaved batches (raw and app alternating, see rounds.ts), after
// a warm-up batch of WARMUP keys each that counts in no round.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 10;
const CKM_AES_KEY_WRAP_PAD = 0x210a;
const P256 = Buffer.from('06082a8648ce3d030107', 'hex');

type P11 = InstanceType<typeof Pkcs11Types.PKCS11>;

async function openPair(a: string, b: string) {
  const open = async (label: string) => {
    const p = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: label } });
    await p.login(pin('123456'));
    return p;
  };
  return [await open(a), await open(b)] as const;
}

async function makeKeys(hsm: Pkcs11Provider, prefix: string, count: number): Promise<string[]> {
  const labels = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (const label of labels) await hsm.generateKeyPair('ec-p256', { label, extractable: true });
  return labels;
}

/** The raw script: one session per token, sync calls, the composed RSA-AES wrap per key. */
function rawMigrate(p: P11, pk: typeof Pkcs11Types, src: Buffer, dst: Buffer, labels: string[]) {
  const find = (s: Buffer, t: Pkcs11Types.Template) => {
    p.C_FindObjectsInit(s, t);
    const h = p.C_FindObjects(s, 1)[0]!;
    p.C_FindObjectsFinal(s);
    return h;
  };
  const oaep = {
    mechanism: pk.CKM_RSA_PKCS_OAEP,
    parameter: {
      type: pk.CK_PARAMS_RSA_OAEP,
      hashAlg: pk.CKM_SHA_1,
      mgf: pk.CKG_MGF1_SHA1,
      source: 1,
    },
  };
  const kwp = { mechanism: CKM_AES_KEY_WRAP_PAD };
  // Transport: RSA-3072 session pair on the target, its public key imported on the source.
  const pair = p.C_GenerateKeyPair(
    dst,
    { mechanism: pk.CKM_RSA_PKCS_KEY_PAIR_GEN },
    [
      { type: pk.CKA_TOKEN, value: false },
      { type: pk.CKA_MODULUS_BITS, value: 3072 },
      { type: pk.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      { type: pk.CKA_WRAP, value: true },
    ],
    [
      { type: pk.CKA_TOKEN, value: false },
      { type: pk.CKA_PRIVATE, value: true },
      { type: pk.CKA_SENSITIVE, value: true },
      { type: pk.CKA_UNWRAP, value: true },
    ],
  );
  const [n, e] = p
    .C_GetAttributeValue(dst, pair.publicKey, [
      { type: pk.CKA_MODULUS },
      { type: pk.CKA_PUBLIC_EXPONENT },
    ])
    .map((a) => a.value!);
  const transportPub = p.C_CreateObject(src, [
    { type: pk.CKA_CLASS, value: pk.CKO_PUBLIC_KEY },
    { type: pk.CKA_KEY_TYPE, value: pk.CKK_RSA },
    { type: pk.CKA_TOKEN, value: false },
    { type: pk.CKA_MODULUS, value: n! },
    { type: pk.CKA_PUBLIC_EXPONENT, value: e! },
    { type: pk.CKA_WRAP, value: true },
  ]);
  const ephTemplate = [
    { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
    { type: pk.CKA_KEY_TYPE, value: pk.CKK_AES },
    { type: pk.CKA_TOKEN, value: false },
    { type: pk.CKA_SENSITIVE, value: true },
    { type: pk.CKA_UNWRAP, value: true },
  ];
  for (const label of labels) {
    const key = find(src, [
      { type: pk.CKA_LABEL, value: label },
      { type: pk.CKA_CLASS, value: pk.CKO_PRIVATE_KEY },
    ]);
    const pub = find(src, [
      { type: pk.CKA_LABEL, value: label },
      { type: pk.CKA_CLASS, value: pk.CKO_PUBLIC_KEY },
    ]);
    const [point, id] = p
      .C_GetAttributeValue(src, pub, [{ type: pk.CKA_EC_POINT }, { type: pk.CKA_ID }])
      .map((a) => a.value!);
    const eph = p.C_GenerateKey(src, { mechanism: pk.CKM_AES_KEY_GEN }, [
      { type: pk.CKA_TOKEN, value: false },
      { type: pk.CKA_VALUE_LEN, value: 32 },
      { type: pk.CKA_WRAP, value: true },
      { type: pk.CKA_EXTRACTABLE, value: true },
    ]);
    const inner = p.C_WrapKey(src, kwp, eph, key, Buffer.alloc(4096));
    const outer = p.C_WrapKey(src, oaep, transportPub, eph, Buffer.alloc(4096));
    p.C_DestroyObject(src, eph);
    const eph2 = p.C_UnwrapKey(dst, oaep, pair.privateKey, outer, ephTemplate);
    const copy = p.C_UnwrapKey(dst, kwp, eph2, inner, [
      { type: pk.CKA_CLASS, value: pk.CKO_PRIVATE_KEY },
      { type: pk.CKA_KEY_TYPE, value: pk.CKK_EC },
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_LABEL, value: label },
      { type: pk.CKA_ID, value: id! },
      { type: pk.CKA_PRIVATE, value: true },
      { type: pk.CKA_SENSITIVE, value: true },
      { type: pk.CKA_EXTRACTABLE, value: false },
      { type: pk.CKA_SIGN, value: true },
    ]);
    p.C_DestroyObject(dst, eph2);
    // The same end state as the app's: the pair's public half beside the private key.
    p.C_CreateObject(dst, [
      { type: pk.CKA_CLASS, value: pk.CKO_PUBLIC_KEY },
      { type: pk.CKA_KEY_TYPE, value: pk.CKK_EC },
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_LABEL, value: label },
      { type: pk.CKA_ID, value: id! },
      { type: pk.CKA_EC_PARAMS, value: P256 },
      { type: pk.CKA_EC_POINT, value: point! },
      { type: pk.CKA_VERIFY, value: true },
    ]);
    inner.fill(0);
    outer.fill(0);
    // Post-import check: the copy signs, the source's public key (node:crypto) accepts.
    const challenge = randomBytes(32);
    p.C_SignInit(dst, { mechanism: pk.CKM_ECDSA }, copy);
    const sig = p.C_Sign(dst, createHash('sha256').update(challenge).digest(), Buffer.alloc(64));
    const spki = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point!.subarray(3, 35).toString('base64url'),
        y: point!.subarray(35, 67).toString('base64url'),
      },
      format: 'jwk',
    });
    if (!verify('sha256', challenge, { key: spki, dsaEncoding: 'ieee-p1363' }, sig))
      throw new Error(`raw: the copy of ${label} does not verify`);
  }
  p.C_DestroyObject(src, transportPub);
  p.C_DestroyObject(dst, pair.privateKey);
  p.C_DestroyObject(dst, pair.publicKey);
}

export async function run(): Promise<void> {
  useSoftHsm();
  // SoftHSM sees only the tokens that exist when it initialises.
  for (const t of ['mig-app-src', 'mig-app-dst', 'mig-raw-src', 'mig-raw-dst']) createToken(t);
  const [appSrc, appDst] = await openPair('mig-app-src', 'mig-app-dst');
  const [rawSrc, rawDst] = await openPair('mig-raw-src', 'mig-raw-dst');
  const appLabels = await makeKeys(appSrc, 'app', WARMUP + KEYS);
  const rawLabels = await makeKeys(rawSrc, 'raw', WARMUP + KEYS);
  // Batch 0 is the warm-up; batches 1..ROUNDS split the KEYS measured keys.
  const batchOf = (labels: string[], round: number) => {
    if (round < 0) return labels.slice(0, WARMUP);
    const per = Math.ceil(KEYS / ROUNDS);
    return labels.slice(WARMUP + round * per, Math.min(WARMUP + (round + 1) * per, WARMUP + KEYS));
  };

  // The raw script joins the library the providers initialised, as a second user would.
  const require = createRequire(import.meta.url);
  const pk = require('pkcs11js') as typeof Pkcs11Types;
  const p = new pk.PKCS11();
  p.load(SOFTHSM_MODULE);
  try {
    p.C_Initialize({ flags: pk.CKF_OS_LOCKING_OK });
  } catch {
    /* already initialised by the providers' workers */
  }
  const slotOf = (label: string) =>
    p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === label)!;
  const session = (label: string) =>
    p.C_OpenSession(slotOf(label), pk.CKF_SERIAL_SESSION | pk.CKF_RW_SESSION);
  const src = session('mig-raw-src');
  const dst = session('mig-raw-dst');

  console.log(
    `migrate benchmark: ${KEYS} EC P-256 keys in ${ROUNDS} interleaved rounds, rsa-aes-kwp (RSA-3072 transport), SoftHSM → SoftHSM`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'olocus-bench-migrate-'));
  const ledger = await Ledger.create(join(dir, 'audit.jsonl'), {
    ceremonyId: 'bench-migrate',
    actor: 'bench',
    signer: generateSoftwareSigner('ecdsa-p256-sha256').signer,
  });
  const series = await alternateRounds(['raw', 'app'] as const, ROUNDS, async (name, round) => {
    const start = performance.now();
    if (name === 'raw') {
      rawMigrate(p, pk, src, dst, batchOf(rawLabels, round));
      return performance.now() - start;
    }
    const batch = batchOf(appLabels, round);
    const results = await migrateKeys(
      appSrc,
      appDst,
      batch.map((label) => ({ label })),
      {
        audit: { ledger, actor: 'bench', step: 'migrate' },
        concurrency: Number(process.env.BENCH_MIGRATE_CONCURRENCY ?? 4),
      },
    );
    if (results.length !== batch.length || !results.every((r) => r.proof.signatureVerified))
      throw new Error('app: not every key was migrated and proven');
    return performance.now() - start;
  });
  const total = (v: number[]) => v.reduce((x, y) => x + y, 0);
  const raw = total(series.raw);
  const app = total(series.app);
  console.log(
    `(a) raw pkcs11js script       ${raw.toFixed(0).padStart(7)} ms  ${(raw / KEYS).toFixed(2)} ms/key`,
  );
  console.log(
    `(b) app migrateKeys           ${app.toFixed(0).padStart(7)} ms  ${(app / KEYS).toFixed(2)} ms/key  (ledger records: ${ledger.length})`,
  );

  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
  p.C_CloseSession(src);
  p.C_CloseSession(dst);
  for (const h of [appSrc, appDst, rawSrc, rawDst]) await h.close();
  printRatio('migrate.app_vs_raw', spread(ratios(series.app, series.raw)));
}
