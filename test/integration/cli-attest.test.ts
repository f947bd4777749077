// `attest` through the command line: the real Google Cloud HSM attestation, a flipped byte, and
// a SoftHSM key's provenance.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const VECTOR = join(ROOT, '..', 'shared', 'test-vectors', 'gcp-cloudhsm-attestation.json');
const token = createToken('cli-attest', '112233');
const work = mkdtempSync(join(tmpdir(), 'olocus-attest-'));

const cli = (...args: string[]) => runCli(args);

describe.skipIf(!existsSync(VECTOR))(
  'attest marvell (real vector from ../shared/test-vectors)',
  () => {
    const v = existsSync(VECTOR)
      ? (JSON.parse(readFileSync(VECTOR, 'utf8')) as {
          attestationBase64: string;
          certChainPem: string;
        })
      : null;
    const att = join(work, 'attestation.bin');
    const chain = join(work, 'chain.pem');
    if (v) {
      writeFileSync(att, Buffer.from(v.attestationBase64, 'base64'));
      writeFileSync(chain, v.certChainPem);
    }

    it('passes, validated at attestation time, naming the expired Marvell root', async () => {
      const r = await cli('attest', 'marvell', '--attestation', att, '--chain', chain, '--json');
      expect(r.code, r.stderr).toBe(0);
      const verdict = JSON.parse(r.stdout) as { overall: string; notes: string[] };
      expect(verdict.overall).toBe('pass');
      expect(verdict.notes.join(' ')).toMatch(/expired on 2025-11-16/);
    });

    it('fails with exit 1 when one byte of the attestation is flipped', async () => {
      const bad = Buffer.from(readFileSync(att));
      bad[bad.length >> 1]! ^= 0x01;
      const file = join(work, 'flipped.bin');
      writeFileSync(file, bad);
      const r = await cli('attest', 'marvell', '--attestation', file, '--chain', chain);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/Attestation verdict: FAIL/);
    });
  },
);

describe('attest --key', () => {
  it('a key generated on the token passes its provenance checks', async () => {
    const pinFile = join(work, 'pin');
    writeFileSync(pinFile, '112233', { mode: 0o600 });
    const hsm = `pkcs11:token=${token.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
    const gen = await cli(
      'keys',
      'generate',
      '--hsm',
      hsm,
      '--type',
      'ec-p256',
      '--label',
      'attested',
    );
    expect(gen.code, gen.stderr).toBe(0);
    const key = `pkcs11:token=${token.label};object=attested;type=private?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
    const r = await cli('attest', '--key', key);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Attestation verdict: PASS/);
  });
});

describe('attest yubihsm (real YubiHSM 2 output, see test/unit/attestation-yubihsm.test.ts)', () => {
  const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'yubihsm', name);

  it('reads the real device output; without the Yubico sub-CA the verdict stays unknown (exit 1)', async () => {
    const r = await cli(
      'attest',
      'yubihsm',
      '--attestation',
      fixture('key-attestation.pem'),
      '--device-cert',
      fixture('device-attestation.pem'),
      '--at',
      '2026-06-01T00:00:00Z',
      '--json',
    );
    expect(r.code, r.stderr).toBe(1);
    const v = JSON.parse(r.stdout) as {
      overall: string;
      checks: { name: string; status: string }[];
    };
    expect(v.overall).toBe('unknown');
    expect(v.checks.find((c) => c.name === 'device-signature')?.status).toBe('pass');
    expect(v.checks.find((c) => c.name === 'device-chain')?.status).toBe('unknown');
  });

  it("another device's certificate fails the signature check; a missing file is bad input", async () => {
    const swapped = await cli(
      'attest',
      'yubihsm',
      '--attestation',
      fixture('key-attestation.pem'),
      '--device-cert',
      fixture('key-attestation.pem'),
    );
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toMatch(/device-signature.*fail|FAIL/s);
    const missing = await cli(
      'attest',
      'yubihsm',
      '--attestation',
      join(work, 'nope.pem'),
      '--device-cert',
      fixture('device-attestation.pem'),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.pem');
  });
});
