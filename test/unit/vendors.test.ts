import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, OlocusError } from '../../src/shared/errors';
import {
  VENDOR_PROFILES,
  detectVendor,
  findDefaultModules,
  vendorById,
} from '../../src/main/hsm/vendors';
import type { VendorId } from '../../src/main/hsm/vendors';

// CK_INFO and CK_TOKEN_INFO strings are fixed-width and blank-padded, as modules return them.
const pad = (s: string, width = 32): string => s.padEnd(width, ' ');

describe('detectVendor', () => {
  it('recognises SoftHSM from the strings its C_GetInfo returns', () => {
    // Observed on Debian SoftHSM 2.6.1 (pkcs11-tool -I).
    const vendor = detectVendor({
      libraryManufacturer: pad('SoftHSM'),
      libraryDescription: pad('Implementation of PKCS11'),
    });
    expect(vendor?.id).toBe('softhsm');
  });

  it('recognises SoftHSM from its token info alone', () => {
    const vendor = detectVendor({
      tokenManufacturer: pad('SoftHSM project'),
      tokenModel: pad('SoftHSM v2', 16),
    });
    expect(vendor?.id).toBe('softhsm');
  });

  it('tolerates NUL padding', () => {
    const vendor = detectVendor({
      libraryManufacturer: 'SoftHSM'.padEnd(32, '\0'),
      libraryDescription: 'Implementation of PKCS11'.padEnd(32, '\0'),
    });
    expect(vendor?.id).toBe('softhsm');
  });

  it('recognises the vendors whose identification strings are documented', () => {
    const cases: [Parameters<typeof detectVendor>[0], VendorId][] = [
      // Luna client 10.9, pkcs11-tool -I.
      [
        { libraryManufacturer: pad('SafeNet'), libraryDescription: pad('Chrystoki') },
        'thales_luna',
      ],
      [{ libraryManufacturer: pad('nCipher Corp. Ltd') }, 'entrust_nshield'],
      [{ tokenManufacturer: pad('nCipher Corp. Ltd'), tokenModel: pad('', 16) }, 'entrust_nshield'],
      [
        { tokenManufacturer: pad('Utimaco IS GmbH'), tokenModel: pad('CryptoServer', 16) },
        'utimaco',
      ],
      [
        {
          libraryManufacturer: pad('Yubico (www.yubico.com)'),
          libraryDescription: pad('YubiHSM PKCS#11 Library'),
        },
        'yubihsm',
      ],
      [
        { tokenManufacturer: pad('Yubico (www.yubico.com)'), tokenModel: pad('YubiHSM', 16) },
        'yubihsm',
      ],
    ];
    for (const [info, id] of cases) expect(detectVendor(info)?.id, JSON.stringify(info)).toBe(id);
  });

  it('returns null for modules it has no profile for', () => {
    // The strings of the p11-kit trust module and OpenSC installed on this machine.
    expect(
      detectVendor({
        libraryManufacturer: pad('PKCS#11 Kit'),
        libraryDescription: pad('PKCS#11 Kit Trust Module'),
        tokenManufacturer: pad('PKCS#11 Kit'),
        tokenModel: pad('p11-kit-trust', 16),
      }),
    ).toBeNull();
    expect(
      detectVendor({
        libraryManufacturer: pad('OpenSC Project'),
        libraryDescription: pad('OpenSC smartcard framework'),
      }),
    ).toBeNull();
    expect(detectVendor({})).toBeNull();
  });

  it('does not take a shared manufacturer string alone as proof', () => {
    // Hypothetical descriptions: other Yubico and SafeNet modules share these manufacturer
    // strings (the YubiKey PIV module, SafeNet's eToken middleware) but are not HSMs we profile.
    expect(
      detectVendor({
        libraryManufacturer: pad('Yubico (www.yubico.com)'),
        libraryDescription: pad('Some other Yubico module'),
      }),
    ).toBeNull();
    expect(
      detectVendor({
        libraryManufacturer: pad('SafeNet, Inc.'),
        libraryDescription: pad('Some other SafeNet module'),
      }),
    ).toBeNull();
  });

  it('prefers the token over the library, as behind a p11-kit proxy', () => {
    const vendor = detectVendor({
      libraryManufacturer: pad('PKCS#11 Kit'),
      libraryDescription: pad('PKCS#11 Kit Proxy Module'),
      tokenManufacturer: pad('SoftHSM project'),
      tokenModel: pad('SoftHSM v2', 16),
    });
    expect(vendor?.id).toBe('softhsm');
  });
});

describe('profiles', () => {
  it('has one profile per vendor id, each with at least one Linux path unless it needs init args', () => {
    const ids = VENDOR_PROFILES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of VENDOR_PROFILES) {
      if (p.quirks.initArgsRequired) {
        expect(p.modulePaths.linux, p.id).toEqual([]);
        continue;
      }
      expect(p.modulePaths.linux.length, p.id).toBeGreaterThan(0);
      for (const path of p.modulePaths.linux) expect(path.startsWith('/'), path).toBe(true);
    }
  });

  it('records the SoftHSM 2.6.1 quirks observed on Debian', () => {
    const softhsm = vendorById('softhsm');
    expect(softhsm.quirks.oaepHashes).toEqual(['sha1']);
    expect(softhsm.quirks.cannotWrap).toEqual(['ed25519']);
  });

  it('keeps vendor-defined mechanism numbers in the vendor-defined range', () => {
    const CKM_VENDOR_DEFINED = 0x80000000;
    for (const p of VENDOR_PROFILES) {
      for (const [name, value] of Object.entries(p.quirks.vendorMechanisms ?? {})) {
        expect(value >= CKM_VENDOR_DEFINED && value <= 0xffffffff, `${p.id} ${name}`).toBe(true);
      }
    }
    expect(vendorById('aws_cloudhsm').quirks.vendorMechanisms).toMatchObject({
      CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD: 0x8000216f,
    });
  });
});

describe('vendorById', () => {
  it('returns the profile', () => {
    expect(vendorById('thales_luna').name).toMatch(/Luna/);
  });

  it('throws on an unknown id', () => {
    let caught: unknown;
    try {
      vendorById('gemalto' as VendorId);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OlocusError);
    expect((caught as OlocusError).code).toBe(ErrorCode.INVALID_INPUT);
  });
});

describe('findDefaultModules', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it.runIf(process.platform === 'linux' && fs.existsSync('/usr/lib/softhsm/libsofthsm2.so'))(
    'finds the Debian SoftHSM module on this machine, once',
    () => {
      const found = findDefaultModules('linux');
      expect(found).toContainEqual({ vendor: 'softhsm', path: '/usr/lib/softhsm/libsofthsm2.so' });
      // The multiarch copy is the same file behind a symlink, so it is not offered twice.
      const softhsm = found.filter((m) => m.vendor === 'softhsm');
      const real = new Set(softhsm.map((m) => fs.realpathSync(m.path)));
      expect(real.size).toBe(softhsm.length);
    },
  );

  it('returns nothing for a platform without profiles', () => {
    expect(findDefaultModules('aix')).toEqual([]);
  });

  it('expands installer variables in Windows paths and skips them when unset', () => {
    const probed: string[] = [];
    vi.spyOn(fs, 'existsSync').mockImplementation((p) => {
      probed.push(String(p));
      return String(p) === 'D:\\Utimaco\\Lib\\cs_pkcs11_R3.dll';
    });
    vi.spyOn(fs, 'realpathSync').mockImplementation(((p: fs.PathLike) => String(p)) as never);

    vi.stubEnv('CS_PATH', '');
    expect(findDefaultModules('win32')).toEqual([]);
    expect(probed.some((p) => p.includes('%'))).toBe(false);

    vi.stubEnv('CS_PATH', 'D:\\Utimaco');
    expect(findDefaultModules('win32')).toEqual([
      { vendor: 'utimaco', path: 'D:\\Utimaco\\Lib\\cs_pkcs11_R3.dll' },
    ]);
  });
});
