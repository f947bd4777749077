// The providers the olocus-hsm seed names, and what each needs from the file.

export const PROVIDERS = [
  'thales_luna',
  'entrust_nshield',
  'utimaco',
  'softhsm',
  'aws_cloudhsm',
  'azure_keyvault',
  'gcp_hsm',
] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The cloud sections; each belongs to exactly one provider. */
export const CLOUD_SECTIONS = ['aws', 'azure', 'gcp'] as const;
export type CloudSection = (typeof CLOUD_SECTIONS)[number];

export interface ProviderProfile {
  /** Reached through a PKCS#11 module (false: a cloud REST API). */
  pkcs11: boolean;
  /**
   * Where the vendor's installer puts the module on Linux. Used when the file names none, so a
   * seed-style file without a pkcs11 section still works; installs vary, hence the warning then.
   * Same as the first Linux path in src/main/hsm/vendor-profiles.ts; vendors.ts probes the alternatives.
   */
  defaultModulePath?: string;
  /** The identifying section this provider needs, and the keys it must hold. */
  cloud?: { section: CloudSection; required: readonly string[] };
}

export const PROVIDER_PROFILES: Record<Provider, ProviderProfile> = {
  thales_luna: {
    pkcs11: true,
    defaultModulePath: '/usr/safenet/lunaclient/lib/libCryptoki2_64.so',
  },
  entrust_nshield: { pkcs11: true, defaultModulePath: '/opt/nfast/toolkits/pkcs11/libcknfast.so' },
  utimaco: { pkcs11: true, defaultModulePath: '/opt/utimaco/lib/libcs_pkcs11_R3.so' },
  softhsm: { pkcs11: true, defaultModulePath: '/usr/lib/softhsm/libsofthsm2.so' },
  // CloudHSM is PKCS#11 on the client side (Client SDK 5); the cluster is still named for the record.
  aws_cloudhsm: {
    pkcs11: true,
    defaultModulePath: '/opt/cloudhsm/lib/libcloudhsm_pkcs11.so',
    cloud: { section: 'aws', required: ['region', 'cluster_id'] },
  },
  azure_keyvault: { pkcs11: false, cloud: { section: 'azure', required: ['vault_url'] } },
  gcp_hsm: { pkcs11: false, cloud: { section: 'gcp', required: ['project', 'location'] } },
};

export function isProvider(p: unknown): p is Provider {
  return typeof p === 'string' && (PROVIDERS as readonly string[]).includes(p);
}

export function isPkcs11Provider(p: Provider): boolean {
  return PROVIDER_PROFILES[p].pkcs11;
}
