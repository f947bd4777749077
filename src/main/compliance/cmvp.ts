// Which CMVP validation, if any, covers the HSM a ceremony ran on. The table
// (resources/cmvp/modules.json) records only sourced certificate numbers; the status it states is
// re-derived against its sunset date and the FIPS 140-2 end date on the day of the lookup, because
// a report printed years later must not call a lapsed certificate active.
import table from '../../../resources/cmvp/modules.json';
import { detectVendor, VENDOR_PROFILES } from '../hsm/vendors';

export type CmvpStatus = 'active' | 'historical' | 'unknown';

export interface CmvpEntry {
  id: string;
  vendor: string;
  module: string;
  products: string[];
  standard: 'FIPS 140-2' | 'FIPS 140-3';
  level: number | null;
  /** Null when no source gave the number: printed as "unknown". */
  certificate: string | null;
  status: CmvpStatus;
  sunset: string | null;
  firmware: string[];
  source_url: string;
  source_note: string;
}

interface Policy {
  standard: string;
  historical_after: string;
  source_url: string;
  source_note: string;
}

export const CMVP_TABLE: { compiled: string; modules: CmvpEntry[]; policies: Policy[] } = {
  compiled: table.compiled,
  modules: table.modules as CmvpEntry[],
  policies: table.policies,
};

/** What the token and its module say about themselves (C_GetInfo, C_GetTokenInfo). */
export interface HsmIdentity {
  libraryManufacturer?: string;
  libraryDescription?: string;
  tokenManufacturer?: string;
  tokenModel?: string;
  /** C_GetTokenInfo firmwareVersion: major.minor only, as PKCS#11 reports it. */
  firmwareVersion?: string;
  modulePath?: string;
  /** For providers without PKCS#11 strings (Google Cloud HSM, Azure Managed HSM). */
  vendor?: string;
}

export interface DatedEntry extends CmvpEntry {
  /** Status on the day asked, and why it differs from the table's, if it does. */
  statusOn: CmvpStatus;
  statusReason: string;
  /** How the token's firmware relates to the firmware the certificate lists. */
  firmwareMatch: 'listed' | 'same-major-minor' | 'not-listed' | 'not-stated';
}

export interface ModuleVerdict {
  verdict: 'validated' | 'historical' | 'not-validated' | 'unknown';
  vendor: string | null;
  vendorName: string | null;
  entries: DatedEntry[];
  summary: string;
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

export function statusOn(entry: CmvpEntry, at: Date): { status: CmvpStatus; reason: string } {
  if (entry.status === 'unknown') return { status: 'unknown', reason: 'no sourced status' };
  const today = day(at);
  if (entry.sunset && today > entry.sunset)
    return { status: 'historical', reason: `sunset date ${entry.sunset} has passed` };
  const policy = CMVP_TABLE.policies.find((p) => p.standard === entry.standard);
  if (policy && today > policy.historical_after)
    return {
      status: 'historical',
      reason: `every ${entry.standard} certificate became historical after ${policy.historical_after}`,
    };
  return {
    status: entry.status,
    reason: `as stated by the source (table compiled ${CMVP_TABLE.compiled})`,
  };
}

/** PKCS#11 reports firmware as major.minor, so 7.8 can only suggest 7.8.4, never prove it. */
function firmwareMatch(
  entry: CmvpEntry,
  firmware: string | undefined,
): DatedEntry['firmwareMatch'] {
  if (entry.firmware.length === 0) return 'not-stated';
  if (!firmware) return 'not-listed';
  if (entry.firmware.includes(firmware)) return 'listed';
  const mm = firmware.split('.').slice(0, 2).join('.');
  return entry.firmware.some((f) => f.split('.').slice(0, 2).join('.') === mm)
    ? 'same-major-minor'
    : 'not-listed';
}

function vendorOf(identity: HsmIdentity): { id: string; name: string } | null {
  if (identity.vendor) {
    const p = VENDOR_PROFILES.find((v) => v.id === identity.vendor);
    const row = CMVP_TABLE.modules.find((m) => m.vendor === identity.vendor);
    return { id: identity.vendor, name: p?.name ?? row?.module ?? identity.vendor };
  }
  const detected = detectVendor(identity);
  if (detected) return { id: detected.id, name: detected.name };
  // AWS CloudHSM has no published C_GetInfo strings: its module path is the only evidence.
  if (identity.modulePath) {
    const byPath = VENDOR_PROFILES.find((p) =>
      [...p.modulePaths.linux, ...p.modulePaths.darwin, ...p.modulePaths.win32].includes(
        identity.modulePath!,
      ),
    );
    if (byPath) return { id: byPath.id, name: byPath.name };
  }
  return null;
}

export function lookupModule(identity: HsmIdentity, at: Date = new Date()): ModuleVerdict {
  const vendor = vendorOf(identity);
  if (!vendor) {
    return {
      verdict: 'unknown',
      vendor: null,
      vendorName: null,
      entries: [],
      summary: `The HSM (${identity.tokenManufacturer ?? identity.libraryManufacturer ?? 'unnamed'} ${identity.tokenModel ?? ''}) is not in the CMVP table; its validation is unknown to this report.`,
    };
  }
  if (vendor.id === 'softhsm') {
    return {
      verdict: 'not-validated',
      vendor: vendor.id,
      vendorName: vendor.name,
      entries: [],
      summary:
        'SoftHSM v2 is a software token for rehearsals and tests: it has no FIPS 140 validation, so keys made on it are not protected by a validated module.',
    };
  }
  const entries: DatedEntry[] = CMVP_TABLE.modules
    .filter((m) => m.vendor === vendor.id)
    .map((m) => {
      const s = statusOn(m, at);
      return {
        ...m,
        statusOn: s.status,
        statusReason: s.reason,
        firmwareMatch: firmwareMatch(m, identity.firmwareVersion),
      };
    });
  const usable = entries.filter((e) => e.certificate && e.firmwareMatch !== 'not-listed');
  const active = usable.find((e) => e.statusOn === 'active');
  if (active) {
    const fw =
      active.firmwareMatch === 'same-major-minor'
        ? ` The token reports firmware ${identity.firmwareVersion}; the certificate lists ${active.firmware.join(', ')}: confirm the patch level on the HSM.`
        : '';
    return {
      verdict: 'validated',
      vendor: vendor.id,
      vendorName: vendor.name,
      entries,
      summary: `${vendor.name}: ${active.standard} Level ${active.level ?? 'unknown'}, CMVP certificate #${active.certificate} (${active.module}).${fw}`,
    };
  }
  const lapsed = usable.find((e) => e.statusOn === 'historical');
  if (lapsed) {
    return {
      verdict: 'historical',
      vendor: vendor.id,
      vendorName: vendor.name,
      entries,
      summary: `${vendor.name}: CMVP certificate #${lapsed.certificate} (${lapsed.standard}) is historical on ${day(at)} (${lapsed.statusReason}).`,
    };
  }
  return {
    verdict: 'unknown',
    vendor: vendor.id,
    vendorName: vendor.name,
    entries,
    summary: `${vendor.name}: no sourced CMVP certificate matches this module and firmware; check the CMVP list by hand.`,
  };
}
