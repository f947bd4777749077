// PKCS#11 vendors: recognising one from C_GetInfo / C_GetTokenInfo, and probing the default
// module paths. The profiles themselves, and why each fact is there, are in vendor-profiles.ts.

import fs from 'node:fs';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { PROFILES } from './vendor-profiles';
import type { VendorId, VendorProfile } from './vendor-profiles';
import { withSiteQuirks } from './vendor-site';

export type { VendorId, VendorProfile } from './vendor-profiles';

export const VENDOR_PROFILES: readonly VendorProfile[] = Object.freeze(PROFILES);
const VENDOR_IDS = PROFILES.map((p) => p.id);

export function vendorById(id: VendorId): VendorProfile {
  const profile = VENDOR_PROFILES.find((p) => p.id === id);
  // The type says this cannot happen, but ids also arrive from configuration files and IPC.
  if (!profile) throw new OlocusError(ErrorCode.INVALID_INPUT, `Unknown HSM vendor "${id}".`);
  return profile;
}

/** C_GetInfo and C_GetTokenInfo strings are blank-padded to a fixed width; some modules pad with NULs. */
function clean(value: string): string {
  return value.replace(/\0+$/, '').trim();
}

/** True when the group has at least one pattern and every pattern matches its (present) field. */
function groupMatches(pairs: readonly [RegExp | undefined, string | undefined][]): boolean {
  const used = pairs.filter((pair): pair is [RegExp, string | undefined] => pair[0] !== undefined);
  return (
    used.length > 0 && used.every(([re, value]) => value !== undefined && re.test(clean(value)))
  );
}

/**
 * The vendor behind a module, from what C_GetInfo and C_GetTokenInfo report. A token match wins
 * over a library match: behind a proxy module such as p11-kit the library is the proxy, while
 * the token still names the hardware whose quirks apply. Null when no profile recognises it.
 * A site's OLOCUS_VENDOR_QUIRKS file, when set, corrects the profile (vendor-site.ts).
 */
export function detectVendor(info: {
  libraryManufacturer?: string;
  libraryDescription?: string;
  tokenManufacturer?: string;
  tokenModel?: string;
}): VendorProfile | null {
  const byToken = VENDOR_PROFILES.find((p) =>
    groupMatches([
      [p.detect.tokenManufacturer, info.tokenManufacturer],
      [p.detect.tokenModel, info.tokenModel],
    ]),
  );
  if (byToken) return withSiteQuirks(byToken, VENDOR_IDS);
  const byLibrary = VENDOR_PROFILES.find((p) =>
    groupMatches([
      [p.detect.libraryManufacturer, info.libraryManufacturer],
      [p.detect.libraryDescription, info.libraryDescription],
    ]),
  );
  return byLibrary ? withSiteQuirks(byLibrary, VENDOR_IDS) : null;
}

/** `%NAME%` references replaced from the environment; null when one is unset (nothing to probe). */
function expandWindowsVariables(path: string): string | null {
  let missing = false;
  const expanded = path.replace(/%([^%]+)%/g, (_match, name: string) => {
    const value = process.env[name];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  return missing ? null : expanded;
}

function platformKey(platform: NodeJS.Platform): keyof VendorProfile['modulePaths'] | null {
  if (platform === 'linux' || platform === 'darwin' || platform === 'win32') return platform;
  return null;
}

/** Existing default module paths for this platform (fs.existsSync), in profile order. */
export function findDefaultModules(
  platform: NodeJS.Platform = process.platform,
): { vendor: VendorId; path: string }[] {
  const key = platformKey(platform);
  if (!key) return [];
  const found: { vendor: VendorId; path: string }[] = [];
  // Debian's /usr/lib/softhsm/libsofthsm2.so is a symlink to the multiarch copy. Offering both
  // would let an officer open one library twice, so each real file is listed once, under the
  // path the profile ranks first.
  const seen = new Set<string>();
  for (const profile of VENDOR_PROFILES) {
    for (const candidate of profile.modulePaths[key]) {
      const path = key === 'win32' ? expandWindowsVariables(candidate) : candidate;
      if (path === null || !fs.existsSync(path)) continue;
      let real = path;
      try {
        real = fs.realpathSync(path);
      } catch {
        // Unreadable link target: keep the path as given; loading it will report the problem.
      }
      if (seen.has(real)) continue;
      seen.add(real);
      found.push({ vendor: profile.id, path });
    }
  }
  return found;
}
