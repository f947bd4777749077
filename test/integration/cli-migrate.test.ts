// `migrate` through the command line between two SoftHSM tokens.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const a = createToken('migrate-from', '445566');
const b = createToken('migrate-to', '778899');
const work = mkdtempSync(join(tmpdir(), 'olocus-migrate-'));
const pinA = join(work, 'a.pin');
const pinB = join(work, 'b.pin');
writeFileSync(pinA, a.userPin, { mode: 0o600 });
writeFileSync(pinB, b.userPin, { mode: 0o600 });
const tokenA = `pkcs11:token=${a.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinA}`;
const keyA = (label: string) =>
  `pkcs11:token=${a.label};object=${label};type=private?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinA}`;
const tokenB = `pkcs11:token=${b.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinB}`;

const cli = (...args: string[]) => runCli(args);

describe('migrate', () => {
  it('moves an extractable EC key to another token, proven, with the same fingerprint', async () => {
    const gen = await cli(
      'keys',
      'generate',
      '--hsm',
      tokenA,
      '--type',
      'ec-p384',
      '--label',
      'movable',
      '--extractable',
      '--json',
    );
    expect(gen.code, gen.stderr).toBe(0);
    const fp = (JSON.parse(gen.stdout) as { fingerprint: { value: string } }).fingerprint.value;
    const r = await cli('migrate', '--from', keyA('movable'), '--to', tokenB, '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      target: { spkiSha256: string | null; provenance: { extractable: boolean } };
      source: { spkiSha256: string };
      sourceDestroyed: unknown;
    };
    expect(result.source.spkiSha256).toBe(fp);
    expect(result.target.provenance.extractable).toBe(false);
    expect(result.sourceDestroyed).toBeNull();
    const list = await cli('keys', 'list', '--hsm', tokenB, '--json');
    expect(
      (JSON.parse(list.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label),
    ).toContain('movable');
  });

  it('refuses a key that is not extractable: exit 3 naming 106, and the key stays', async () => {
    expect(
      (await cli('keys', 'generate', '--hsm', tokenA, '--type', 'ec-p256', '--label', 'stays'))
        .code,
    ).toBe(0);
    const r = await cli('migrate', '--from', keyA('stays'), '--to', tokenB);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HSM error 106/);
    expect(r.stderr).toMatch(/not extractable/);
    const list = await cli('keys', 'list', '--hsm', tokenA, '--json');
    expect(
      (JSON.parse(list.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label),
    ).toContain('stays');
  });

  it('refuses --destroy-source without the officers who approved it (exit 2)', async () => {
    const r = await cli('migrate', '--from', keyA('movable'), '--to', tokenB, '--destroy-source');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--approved-by/);
  });
});
