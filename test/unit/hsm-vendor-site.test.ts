// A site's corrections to the vendor profiles (OLOCUS_VENDOR_QUIRKS, hsm/vendor-site.ts): what
// they change in the profile detectVendor returns, and the sentence for each bad file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { detectVendor } from '../../src/main/hsm/vendors';
import { ErrorCode } from '../../src/shared/errors';

const dir = mkdtempSync(join(tmpdir(), 'olocus-site-quirks-'));
let n = 0;
function site(body: string): string {
  const path = join(dir, `q${n++}.json`);
  writeFileSync(path, body);
  process.env.OLOCUS_VENDOR_QUIRKS = path;
  return path;
}
const softhsm = () =>
  detectVendor({ tokenManufacturer: 'SoftHSM project', tokenModel: 'SoftHSM v2' });
const nss = () =>
  detectVendor({
    libraryManufacturer: 'Mozilla Foundation',
    libraryDescription: 'NSS Internal Crypto Services',
  });

afterEach(() => delete process.env.OLOCUS_VENDOR_QUIRKS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OLOCUS_VENDOR_QUIRKS', () => {
  it('without it, the built-in profiles', () => {
    expect(softhsm()?.quirks.rfc5649).toBe(0x210a);
    expect(softhsm()?.siteQuirks).toBeUndefined();
    expect(nss()?.quirks.ecCurves).toEqual(['ec-p256', 'ec-p384', 'ec-p521']);
  });

  it('replaces the named quirks of the named vendor only; hex or decimal numbers; null withdraws', () => {
    const path = site(
      JSON.stringify({
        softhsm: { withheldMechanisms: ['0x210A', 4161], rfc5649: null },
        nss_softoken: { ecCurves: null },
      }),
    );
    const s = softhsm()!;
    expect(s.siteQuirks).toBe(path);
    expect(s.quirks.withheldMechanisms).toEqual([0x210a, 0x1041]);
    expect('rfc5649' in s.quirks).toBe(false);
    expect(s.quirks.cannotWrap).toEqual(['ed25519']);
    expect(nss()!.quirks.ecCurves).toBeUndefined();
    expect(nss()!.quirks.ecUnwrapPublicPoint).toBe(0xd5a0db00);
  });

  it('gives a module the AES-GCM IV rule of AWS CloudHSM (gcmIv), and null withdraws it', () => {
    expect(softhsm()!.quirks.gcmIv).toBeUndefined();
    site(JSON.stringify({ softhsm: { gcmIv: 'module-generated' } }));
    expect(softhsm()!.quirks.gcmIv).toBe('module-generated');
    site(JSON.stringify({ softhsm: { gcmIv: null } }));
    expect(softhsm()!.quirks.gcmIv).toBeUndefined();
  });

  for (const [what, body, sentence] of [
    ['not JSON', '{ softhsm: ', /names .*q\d+\.json, which is not a readable JSON file/],
    [
      'a quirk a site may not set',
      '{"softhsm": {"pinFormat": "x"}}',
      /softhsm: Unrecognized key: "pinFormat"\. It holds vendor ids, each with the quirks to replace \(rfc5649, withheldMechanisms, vendorMechanisms, oaepHashes, cannotWrap, ecCurves, gcmIv, inProcess\)\./,
    ],
    ['a number that is not one', '{"softhsm": {"rfc5649": "210A"}}', /softhsm\.rfc5649: /],
    ['an IV rule that does not exist', '{"softhsm": {"gcmIv": "caller"}}', /softhsm\.gcmIv: /],
    [
      'an unknown vendor id',
      '{"softhsm2": {"rfc5649": 8458}}',
      /"softhsm2" is not a vendor id \(thales_luna, .*softhsm, nss_softoken\)\./,
    ],
  ] as const)
    it(`refuses ${what} (108, bad input), never ignores it`, () => {
      site(body);
      expect(() => softhsm()).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_INPUT }));
      expect(() => softhsm()).toThrow(sentence);
    });
});
