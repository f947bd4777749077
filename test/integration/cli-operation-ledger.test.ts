// `sign --ledger` and `keys generate --ledger` outside a ceremony: each outcome lands in a
// hash-chained ledger that verify-audit checks and audit query finds; a failure is recorded with
// its reason; a ledger that does not verify is refused before the token is touched.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditQueryResult, LedgerRecord } from '../../src/main/audit';
import { runCli } from '../helpers/cli';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const token = createToken('cli-op-ledger', '424242');
const work = mkdtempSync(join(tmpdir(), 'olocus-op-ledger-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pinFile = join(work, 'user.pin');
writeFileSync(pinFile, `${token.userPin}\n`, { mode: 0o600 });
const wrongPin = join(work, 'wrong.pin');
writeFileSync(wrongPin, '000000\n', { mode: 0o600 });
const tokenUri = (pin: string) =>
  `pkcs11:token=${token.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pin}`;
const keyUri = (pin: string) =>
  `pkcs11:token=${token.label};object=op-key;type=private?module-path=${SOFTHSM_MODULE}&pin-source=file:${pin}`;
const ledger = join(work, 'operations.jsonl');
const input = join(work, 'statement.txt');
writeFileSync(input, 'We, the undersigned, approve release 4.2.\n');

const records = (): LedgerRecord[] =>
  readFileSync(ledger, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerRecord);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('sign and keys generate with --ledger', () => {
  it('records the new key and the signature, and audit query finds them', async () => {
    const gen = await runCli([
      'keys',
      'generate',
      '--hsm',
      tokenUri(pinFile),
      '--type',
      'ec-p256',
      '--label',
      'op-key',
      '--ledger',
      ledger,
      '--actor',
      'alice (key custodian)',
    ]);
    expect(gen.stderr).toContain(`Ledger: 1 event written to the new ledger ${ledger} (2 records`);
    expect(gen.code).toBe(0);
    const sig = join(work, 'statement.sig');
    const signed = await runCli([
      'sign',
      '--key',
      keyUri(pinFile),
      '--in',
      input,
      '--out',
      sig,
      '--ledger',
      ledger,
    ]);
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain(`Ledger: 1 event appended to ${ledger} (3 records`);

    const [opened, generated, signature] = records();
    expect(opened!.data).toMatchObject({
      format: 'olocus-audit-ledger/2',
      audit_key: null,
      purpose: 'key operations outside a ceremony',
      command: 'keys generate',
    });
    expect(generated).toMatchObject({
      type: 'key.generated',
      actor: 'alice (key custodian)',
      data: { label: 'op-key', type: 'ec-p256', outcome: 'generated', extractable: false },
    });
    expect(generated!.data.spki_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(signature).toMatchObject({
      type: 'signature.created',
      data: {
        label: 'op-key',
        outcome: 'signed',
        data_sha256: sha256(readFileSync(input)),
        signature_sha256: sha256(readFileSync(sig)),
        signature_file: sig,
      },
    });
    // The key's address is kept without its query: no pin-source, no module path.
    expect(signature!.data.key).toBe(`pkcs11:token=${token.label};object=op-key;type=private`);
    expect(readFileSync(ledger, 'utf8')).not.toContain(token.userPin);

    const verified = await runCli(['verify-audit', ledger]);
    expect(verified.code).toBe(0);
    const q = await runCli(['audit', 'query', ledger, '--key', 'op-key', '--json']);
    expect(q.code).toBe(0);
    const doc = JSON.parse(q.stdout) as AuditQueryResult;
    expect(doc.records.map((r) => r.type)).toEqual(['key.generated', 'signature.created']);
  });

  it('records a failed signature and a refused key generation with their reasons', async () => {
    const sig = join(work, 'wrong-pin.sig');
    const wrong = await runCli([
      'sign',
      '--key',
      keyUri(wrongPin),
      '--in',
      input,
      '--out',
      sig,
      '--ledger',
      ledger,
    ]);
    expect(wrong.code).toBe(3);
    expect(existsSync(sig)).toBe(false);
    const again = await runCli([
      'keys',
      'generate',
      '--hsm',
      tokenUri(pinFile),
      '--type',
      'ec-p256',
      '--label',
      'op-key',
      '--ledger',
      ledger,
    ]);
    expect(again.code).not.toBe(0);
    const [failedSign, failedGen] = records().slice(-2);
    expect(failedSign).toMatchObject({
      type: 'signature.failed',
      data: { label: 'op-key', outcome: 'failed', code: 102 },
    });
    expect(failedGen).toMatchObject({
      type: 'key.generation_failed',
      data: { label: 'op-key', outcome: 'failed' },
    });
    expect(String(failedGen!.data.reason)).toMatch(/op-key/);
    expect((await runCli(['verify-audit', ledger])).code).toBe(0);
    const q = await runCli([
      'audit',
      'query',
      ledger,
      '--type',
      'signature.failed',
      '--type',
      'key.generation_failed',
      '--json',
    ]);
    expect((JSON.parse(q.stdout) as AuditQueryResult).matched).toBe(2);
  });

  it('refuses a ledger that does not verify before signing anything', async () => {
    const lines = readFileSync(ledger, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"op-key"', '"op-kez"');
    const broken = join(work, 'broken.jsonl');
    writeFileSync(broken, lines.join('\n'));
    const before = readFileSync(broken);
    const sig = join(work, 'refused.sig');
    const r = await runCli([
      'sign',
      '--key',
      keyUri(pinFile),
      '--in',
      input,
      '--out',
      sig,
      '--ledger',
      broken,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /Refusing to append to the ledger .*broken\.jsonl: it does not verify at record 1 \(line 2, edited\)/,
    );
    expect(existsSync(sig)).toBe(false);
    expect(readFileSync(broken).equals(before)).toBe(true);
  });

  it('--actor without --ledger is a usage error', async () => {
    const r = await runCli([
      'sign',
      '--key',
      keyUri(pinFile),
      '--in',
      input,
      '--out',
      join(work, 'x.sig'),
      '--actor',
      'bob',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--actor names who the ledger records; it needs --ledger FILE.');
  });
});
