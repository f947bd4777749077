// electron-builder afterPack hook: flips Electron's fuses in the packaged binary, before it is
// signed, so the shipped app cannot be turned into a general Node runtime or debugger:
// ELECTRON_RUN_AS_NODE, NODE_OPTIONS and --inspect are ignored, the app loads only from its
// asar, the asar's integrity is checked (macOS and Windows), and file:// gets no extra rights
// (the app is served from app://olocus). Untested on this machine: packaging needs the
// Electron distribution, which cannot be downloaded here.
import { join } from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses } from '@electron/fuses';

export const FUSES = Object.freeze({
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
});

/** electron-builder's Arch enum value for arm64. */
const ARM64 = 3;

/** The packaged binary (or .app bundle) electron-builder just wrote. */
export function executablePath(context) {
  const { electronPlatformName: platform, appOutDir, packager } = context;
  const name = packager.appInfo.productFilename;
  if (platform === 'darwin' || platform === 'mas') return join(appOutDir, `${name}.app`);
  if (platform === 'win32') return join(appOutDir, `${name}.exe`);
  return join(appOutDir, packager.executableName ?? name);
}

export default async function afterPack(context, flip = flipFuses) {
  await flip(executablePath(context), {
    ...FUSES,
    // Flipping a fuse breaks an ad-hoc signature, which Apple silicon refuses to run.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === ARM64,
  });
}
