// Types for fuses.mjs (an electron-builder hook, plain JavaScript so it runs without a build).
import type { FuseConfig } from '@electron/fuses';

export interface AfterPackContext {
  electronPlatformName: string;
  appOutDir: string;
  arch: number;
  packager: { appInfo: { productFilename: string }; executableName?: string };
}

export const FUSES: Readonly<FuseConfig>;
export function executablePath(context: AfterPackContext): string;
export default function afterPack(
  context: AfterPackContext,
  flip?: (path: string, config: FuseConfig) => Promise<unknown>,
): Promise<void>;
