// `encrypt` / `decrypt` from the built CLI through the faulty-pkcs11 shim over SoftHSM, with the
// module's AES-GCM IV rule: CloudHSM's (the shim generates the IV and writes it into pIv, the
// site quirk file says so), a module that ignores the caller's IV and reports nothing, and a
// profile claim the module does not keep. Exit codes, sentences, and no output file on refusal.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { keysGenerate, tokenForCli } from '../helpers/cli-keys';
import { buildFaultyModule } from '../helpers/faulty-module';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const work = mkdtempSync(join(tmpdir(), 'olocus-gcm-iv-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const t = tokenForCli('gcm-iv-cli', '975310', work);
const file = (n: string) => join(work, n);
const log = file('gcm.log');
const quirks = file('quirks.json');
writeFileSync(quirks, JSON.stringify({ softhsm: { gcmIv: 'module-generated' } }));
writeFileSync(file('plain.txt'), 'a payload for CloudHSM');
const inv = ['--inventory', file('inventory.json')];
const ZERO = '00'.repeat(12);
let shimKey: string;

beforeAll(async () => {
  const shim = buildFaultyModule(work);
  shimKey = `pkcs11:token=${t.token.label};object=data?module-path=${shim}&pin-source=file:${t.pinFile}`;
  const r = await runCli(keysGenerate(t.tokenUri, 'aes-256', 'data'));
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

const env = (extra: Record<string, string> = {}) => ({
  FAULTY_P11_MODULE: SOFTHSM_MODULE,
  FAULTY_P11_GCM_LOG: log,
  ...extra,
});
const encrypt = (out: string, extra?: Record<string, string>) =>
  runCli(['encrypt', '--key', shimKey, '--in', file('plain.txt'), '--out', file(out), ...inv], {
    env: env(extra),
  });
const decrypt = (from: string, out: string, extra?: Record<string, string>) =>
  runCli(['decrypt', '--key', shimKey, '--in', file(from), '--out', file(out), ...inv], {
    env: env(extra),
  });
function lastInit(): { received: string; used: string } {
  const line = readFileSync(log, 'utf8').trim().split('\n').pop()!;
  const [, received, used] = /^received=([0-9a-f]+) used=([0-9a-f]+)$/.exec(line)!;
  return { received: received!, used: used! };
}
const ivIn = (f: string) =>
  Buffer.from((JSON.parse(readFileSync(file(f), 'utf8')) as { iv: string }).iv, 'base64').toString(
    'hex',
  );

describe('encrypt / decrypt with the AES-GCM IV rule of the module', () => {
  it('CloudHSM rule (gcmIv quirk): the module gets a zeroed IV, the file records the one it wrote back, decrypt gives the payload', async () => {
    const e = await encrypt('c1.json', {
      OLOCUS_VENDOR_QUIRKS: quirks,
      FAULTY_P11_GCM_IV: 'generate',
    });
    expect(e.code, e.stderr).toBe(0);
    const { received, used } = lastInit();
    expect(received).toBe(ZERO);
    expect(used).not.toBe(ZERO);
    expect(ivIn('c1.json')).toBe(used);
    const d = await decrypt('c1.json', 'p1.txt', { OLOCUS_VENDOR_QUIRKS: quirks });
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(file('p1.txt'), 'utf8')).toBe('a payload for CloudHSM');
  });

  it('a profile that claims a generated IV the module never writes: exit 3, error 104, no ciphertext file', async () => {
    const e = await encrypt('c2.json', { OLOCUS_VENDOR_QUIRKS: quirks });
    expect(e.code).toBe(3);
    expect(e.stderr).toContain(
      `(as corrected by ${quirks}) says token "${t.token.label}" generates the AES-GCM IV and writes it into CK_GCM_PARAMS.pIv, but it wrote none back, so the ciphertext is discarded: it could not be decrypted.`,
    );
    expect(e.stderr).toContain('104');
    expect(existsSync(file('c2.json'))).toBe(false);
  });

  it('a module that ignores the IV silently: decrypt exits 3 with the tag-check sentence and writes no plaintext', async () => {
    const e = await encrypt('c3.json', { FAULTY_P11_GCM_IV: 'ignore' });
    expect(e.code, e.stderr).toBe(0);
    const d = await decrypt('c3.json', 'p3.txt');
    expect(d.code).toBe(3);
    expect(d.stderr).toContain(
      'The AES-GCM ciphertext did not pass its tag check with version 1 ("data") of "data" (CKR_GENERAL_ERROR)',
    );
    expect(existsSync(file('p3.txt'))).toBe(false);
  });
});
