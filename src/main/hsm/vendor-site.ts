// Site corrections to the vendor profiles, as data. OLOCUS_VENDOR_QUIRKS names a JSON file
// `{ "<vendor id>": { <quirk>: <value>, … } }` whose quirks replace the built-in ones for that
// vendor: for a site whose module differs from what its profile records (other firmware, a
// mechanism the site has decided not to trust), and for the tests that show what happens when a
// profile is wrong. A claim still meets the known-answer probe (hsm/pkcs11/kwp-resolve.ts), which
// refuses a claim the module contradicts. Only the quirks below may be set; anything else is
// refused, never ignored.
import fs from 'node:fs';
import { z } from 'zod';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { VendorProfile } from './vendor-profiles';

export const SITE_QUIRKS_ENV = 'OLOCUS_VENDOR_QUIRKS';

/** A mechanism number as JSON allows it: 8459, or "0x210B". */
const mechanism = z.union([
  z.int().min(0).max(0xffffffff),
  z
    .string()
    .regex(/^0x[0-9a-fA-F]{1,8}$/, 'a mechanism number such as 8459 or "0x210B"')
    .transform((s) => Number.parseInt(s, 16)),
]);

// Each quirk replaces the profile's; null withdraws it (the module is taken to lack that quirk).
const maybe = <T extends z.ZodType>(t: T) => t.nullable().optional();
const siteQuirks = z.strictObject({
  rfc5649: maybe(mechanism),
  withheldMechanisms: maybe(z.array(mechanism)),
  vendorMechanisms: maybe(z.record(z.string(), mechanism)),
  oaepHashes: maybe(z.array(z.enum(['sha1', 'sha256', 'sha384', 'sha512']))),
  cannotWrap: maybe(z.array(z.enum(['ed25519', 'ec', 'rsa', 'aes']))),
  ecCurves: maybe(z.array(z.enum(['ec-p256', 'ec-p384', 'ec-p521', 'ec-secp256k1']))),
  gcmIv: maybe(z.literal('module-generated')),
  inProcess: maybe(z.boolean()),
});

const siteFile = z.record(z.string(), siteQuirks);
type SiteFile = z.infer<typeof siteFile>;

let loaded: { path: string; quirks: SiteFile } | null = null;

function read(path: string, known: readonly string[]): SiteFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${SITE_QUIRKS_ENV} names ${path}, which is not a readable JSON file (${e instanceof Error ? e.message : String(e)}).`,
    );
  }
  const r = siteFile.safeParse(parsed);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${path} (${SITE_QUIRKS_ENV}): ${issue.path.join('.') || 'the file'}: ${issue.message}. It holds vendor ids, each with the quirks to replace (${Object.keys(siteQuirks.shape).join(', ')}).`,
    );
  }
  const unknown = Object.keys(r.data).find((id) => !known.includes(id));
  if (unknown)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${path} (${SITE_QUIRKS_ENV}): "${unknown}" is not a vendor id (${known.join(', ')}).`,
    );
  return r.data;
}

/**
 * The profile with the site's quirks for it applied (a copy), or the profile itself. `known` is
 * every vendor id, so that a misspelt one is refused rather than silently matching nothing.
 */
export function withSiteQuirks(profile: VendorProfile, known: readonly string[]): VendorProfile {
  const path = process.env[SITE_QUIRKS_ENV];
  if (!path) return profile;
  if (loaded?.path !== path) loaded = { path, quirks: read(path, known) };
  const site = loaded.quirks[profile.id];
  if (!site) return profile;
  const quirks: VendorProfile['quirks'] = { ...profile.quirks };
  for (const [k, v] of Object.entries(site) as [keyof typeof site, unknown][]) {
    if (v === null) delete quirks[k];
    else Object.assign(quirks, { [k]: v });
  }
  return { ...profile, quirks, siteQuirks: path };
}
