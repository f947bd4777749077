// The cloudInventory channel: what the wizard's HSM screen may ask of a cloud provider and the
// plain, non-secret listing it gets back (names, types, states and public-key fingerprints only).
import { z } from 'zod';

export const CLOUD_PROVIDERS = ['azure', 'gcp', 'aws'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !s.includes('\0'), 'must not contain a NUL character');

export const cloudInventoryRequest = z.strictObject({
  provider: z.enum(CLOUD_PROVIDERS),
  /** azurekv://VAULT-HOST (or the host), gcpkms://…/keyRings/R, awscloudhsm://REGION[/CLUSTER-ID]. */
  address: text(512),
  /** An API endpoint replacing the provider's own (Google HOST:PORT, AWS URL); loopback for tests. */
  endpoint: text(512).optional(),
});

const azureKey = z.object({
  name: z.string(),
  kty: z.string(),
  /** The product's name for the type (ec-p256, rsa-3072, …) when it is one the product knows. */
  keyType: z.string().nullable(),
  curve: z.string().nullable(),
  size: z.number().nullable(),
  enabled: z.boolean().nullable(),
  spkiSha256: z.string().nullable(),
});

const gcpKey = z.object({
  name: z.string(),
  address: z.string(),
  purpose: z.string(),
  protectionLevel: z.string(),
  algorithm: z.string(),
  primary: z.string().nullable(),
  versionCount: z.number(),
  /** "ENABLED ×2, DESTROYED ×1": how many versions are in each state. */
  versionStates: z.array(z.object({ state: z.string(), count: z.number() })),
});

const awsCluster = z.object({
  clusterId: z.string(),
  uri: z.string(),
  state: z.string().nullable(),
  hsmType: z.string().nullable(),
  backupPolicy: z.string().nullable(),
  backupRetention: z.string().nullable(),
  hsms: z.array(
    z.object({
      hsmId: z.string(),
      availabilityZone: z.string().nullable(),
      state: z.string().nullable(),
    }),
  ),
});

export const cloudInventoryResult = z.discriminatedUnion('provider', [
  z.object({
    provider: z.literal('azure'),
    address: z.string(),
    managedHsm: z.boolean(),
    keys: z.array(azureKey),
  }),
  z.object({ provider: z.literal('gcp'), address: z.string(), keys: z.array(gcpKey) }),
  z.object({ provider: z.literal('aws'), address: z.string(), clusters: z.array(awsCluster) }),
]);
export type CloudInventoryRequest = z.output<typeof cloudInventoryRequest>;
export type CloudInventory = z.input<typeof cloudInventoryResult>;
