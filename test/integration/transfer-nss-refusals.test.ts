// Bad input for a transfer between two real modules (SoftHSM and NSS softoken), through the
// command line: each gets one sentence, exit 3 (HSM error 104), and loses nothing: the source
// token and the target token list the same objects as before (no half-made key, no transport
// key left behind).
// - A target with no RFC 5649 mechanism the app may use: SoftHSM as target with a site quirk
//   file (OLOCUS_VENDOR_QUIRKS) that withholds its 0x210A, the only RFC 5649 number it has.
// - A vendor claim the known-answer probe contradicts: a site quirk file claims NSS's 0x210A is
//   RFC 5649 (as SoftHSM's profile rightly does for SoftHSM); NSS implements 0x210A as
//   RFC 3394 + PKCS#7 padding, so the probe refuses the claim.
// - A key NSS cannot hold: secp256k1 (freebl has only the NIST curves); the NSS profile lists
//   its curves (ecCurves), so the refusal comes before anything is wrapped.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';
import { SOFTHSM_MODULE, createToken } from '../helpers/softhsm';

const src = NSS_MODULE ? createToken('refusal-src', '246810') : null;
const dst = NSS_MODULE ? createToken('refusal-dst', '135791') : null;
const work = mkdtempSync(join(tmpdir(), 'olocus-nss-refusals-'));
const pinFile = (name: string, value: string) => {
  const path = join(work, `${name}.pin`);
  writeFileSync(path, value, { mode: 0o600 });
  return path;
};
const softUri = (t: { label: string; userPin: string }, object?: string, type = 'private') =>
  `pkcs11:token=${t.label}${object ? `;object=${object};type=${type}` : ''}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile(t.label, t.userPin)}`;
let nssBase = '';
const nssUri = (object?: string, type = 'private') => {
  const [path, query] = nssBase.split('?');
  return `${path}${object ? `;object=${object};type=${type}` : ''}?${query}&pin-source=file:${pinFile('nss', NSS_USER_PIN)}`;
};
const quirks = (name: string, body: unknown) => {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify(body));
  return { OLOCUS_VENDOR_QUIRKS: path };
};
const cli = (args: string[], env?: Record<string, string>) => runCli(args, env ? { env } : {});

/** Every object on the token, by class and label (the CLI's own listing). */
async function objects(hsm: string): Promise<string[]> {
  const r = await cli(['keys', 'list', '--hsm', hsm, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { keys: { label: string; class: string }[] }).keys
    .map((k) => `${k.class}:${k.label}`)
    .sort();
}

async function generate(hsm: string, type: string, label: string): Promise<void> {
  const r = await cli([
    'keys',
    'generate',
    '--hsm',
    hsm,
    '--type',
    type,
    '--label',
    label,
    '--extractable',
  ]);
  expect(r.code, r.stderr).toBe(0);
}

/** Runs `migrate`, expects exit 3 naming 104, and both tokens as they were. */
async function refused(
  from: string,
  to: string,
  tokens: [string, string],
  env?: Record<string, string>,
): Promise<string> {
  const before = [await objects(tokens[0]), await objects(tokens[1])];
  const r = await cli(['migrate', '--from', from, '--to', to], env);
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toMatch(/HSM error 104/);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect([await objects(tokens[0]), await objects(tokens[1])]).toEqual(before);
  return r.stderr;
}

describe.skipIf(!NSS_MODULE)(
  'refused transfers between SoftHSM and NSS lose nothing',
  { timeout: 300_000 },
  () => {
    beforeAll(async () => {
      // The database and its user PIN are made here, then closed: the CLI opens it by URI.
      const nss = await openNss();
      nssBase = nss.uri;
      await nss.provider.close();
      await generate(nssUri(), 'rsa-2048', 'from-nss');
      await generate(softUri(src!), 'aes-256', 'to-nss-claimed');
      await generate(softUri(src!), 'ec-secp256k1', 'k1-to-nss');
      await generate(softUri(src!), 'ec-p256', 'p256-to-nss');
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('a target with no RFC 5649 mechanism the app may use: 104 naming what it lacks and offers', async () => {
      const env = quirks('withhold', { softhsm: { withheldMechanisms: ['0x210A'] } });
      const err = await refused(nssUri('from-nss'), softUri(dst!), [nssUri(), softUri(dst!)], env);
      expect(err).toContain(
        `token "refusal-dst" offers no RFC 5649 AES key wrap for unwrapping (neither CKM_AES_KEY_WRAP_KWP 0x210B nor a number its vendor profile names); it offers CKM_AES_KEY_WRAP (0x2109), and lists CKM_AES_KEY_WRAP_PAD (0x210A), which the site withholds (${env.OLOCUS_VENDOR_QUIRKS}). Every migration needs it, so nothing was wrapped.`,
      );
    });

    it('a vendor claim the known-answer probe contradicts: 104 quoting the probe, nothing wrapped', async () => {
      const env = quirks('claim', { nss_softoken: { rfc5649: '0x210A' } });
      const err = await refused(
        softUri(src!, 'to-nss-claimed', 'secret-key'),
        nssUri(),
        [softUri(src!), nssUri()],
        env,
      );
      expect(err).toMatch(
        new RegExp(
          `The Mozilla NSS softoken profile \\(as corrected by ${env.OLOCUS_VENDOR_QUIRKS}\\) says CKM_AES_KEY_WRAP_PAD \\(0x210A\\) is RFC 5649 key wrap, but a known-answer test on token "NSS Certificate DB" gave a different result, so no key is wrapped with it\\. Every migration needs it, so nothing was wrapped\\.`,
        ),
      );
      // Without the wrong claim the same key moves (0x210A on SoftHSM, 0x210B on NSS), and the
      // ledger records both numbers with how each was decided.
      const ledger = join(work, 'moved.jsonl');
      const ok = await cli([
        'migrate',
        '--from',
        softUri(src!, 'to-nss-claimed', 'secret-key'),
        '--to',
        nssUri(),
        '--ledger',
        ledger,
        '--json',
      ]);
      expect(ok.code, ok.stderr).toBe(0);
      const moved = readFileSync(ledger, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> })
        .find((e) => e.type === 'key.migrated')!;
      expect(moved.data.kwp).toEqual({
        source: { mechanism: 0x210a, name: 'CKM_AES_KEY_WRAP_PAD (0x210A)', decided_by: 'probe' },
        target: { mechanism: 0x210b, name: 'CKM_AES_KEY_WRAP_KWP (0x210B)', decided_by: 'list' },
      });
    });

    it('a key NSS cannot hold (secp256k1): refused before anything is wrapped', async () => {
      const err = await refused(softUri(src!, 'k1-to-nss'), nssUri(), [softUri(src!), nssUri()]);
      expect(err).toMatch(
        /Mozilla NSS softoken behind token "NSS Certificate DB" \(serial \w+\) cannot hold ec-secp256k1 keys \(it implements ec-p256, ec-p384, ec-p521\), so "k1-to-nss" is not migrated to it; nothing was wrapped\./,
      );
    });

    it('without the curve list, NSS itself refuses the secp256k1 key at unwrap, and still nothing is left behind', async () => {
      // What ecCurves saves the officer from: a wrap on the source and a refusal on the target.
      const env = quirks('no-curves', { nss_softoken: { ecCurves: null } });
      const before = [await objects(softUri(src!)), await objects(nssUri())];
      const r = await cli(['migrate', '--from', softUri(src!, 'k1-to-nss'), '--to', nssUri()], env);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/CKR_DOMAIN_PARAMS_INVALID/);
      expect([await objects(softUri(src!)), await objects(nssUri())]).toEqual(before);
    });

    it('a bad site quirk file is bad input (exit 2), naming the quirk', async () => {
      const env = quirks('bad', { softhsm: { rfc5649Number: 8458 } });
      const r = await cli(
        ['migrate', '--from', softUri(src!, 'p256-to-nss'), '--to', nssUri()],
        env,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /OLOCUS_VENDOR_QUIRKS\): softhsm: Unrecognized key: "rfc5649Number"/,
      );
    });
  },
);
