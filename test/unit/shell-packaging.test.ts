// Packaging configuration. electron-builder itself cannot run here (it downloads Electron), so
// this checks the configuration and runs the fuses hook against a fake flipFuses.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import afterPack, { FUSES, executablePath } from '../../scripts/fuses.mjs';

const config = parse(readFileSync(resolve('electron-builder.yml'), 'utf8')) as Record<
  string,
  unknown
>;

describe('electron-builder.yml', () => {
  it('packs only the build output, in an asar, with native modules unpacked', () => {
    expect(config.files).toEqual(['out/**']);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['**/*.node']);
  });

  it('flips the fuses after packing, with a hook that exists', () => {
    expect(config.afterPack).toBe('./scripts/fuses.mjs');
    expect(existsSync(resolve(String(config.afterPack)))).toBe(true);
  });
});

describe('fuses', () => {
  it('turns off every way to run the app as something else', () => {
    expect(FUSES).toMatchObject({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
    });
  });

  const context = (platform: string, arch = 1) => ({
    electronPlatformName: platform,
    appOutDir: '/dist/unpacked',
    arch,
    packager: {
      appInfo: { productFilename: 'Olocus Ceremony' },
      executableName: 'olocus-ceremony',
    },
  });

  it.each([
    ['linux', '/dist/unpacked/olocus-ceremony'],
    ['win32', '/dist/unpacked/Olocus Ceremony.exe'],
    ['darwin', '/dist/unpacked/Olocus Ceremony.app'],
  ])('finds the %s binary', (platform, path) => {
    expect(executablePath(context(platform))).toBe(path);
  });

  it('the afterPack hook flips them on the packaged binary', async () => {
    const flip = vi.fn(async () => {});
    await afterPack(context('linux'), flip);
    expect(flip).toHaveBeenCalledWith('/dist/unpacked/olocus-ceremony', {
      ...FUSES,
      resetAdHocDarwinSignature: false,
    });
    await afterPack(context('darwin', 3), flip);
    expect(flip).toHaveBeenLastCalledWith('/dist/unpacked/Olocus Ceremony.app', {
      ...FUSES,
      resetAdHocDarwinSignature: true,
    });
  });
});

describe('the main build carries the bundled data files', () => {
  it.skipIf(!existsSync(resolve('out/main/index.js')))(
    'out/resources holds the demo ceremony',
    () => {
      expect(existsSync(resolve('out/resources/ceremonies/root-ca.yaml'))).toBe(true);
    },
  );
});
