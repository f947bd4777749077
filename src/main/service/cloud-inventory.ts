// What the wizard's HSM screen lists of a cloud provider: an Azure vault's keys, a Cloud KMS key
// ring's keys, or the CloudHSM clusters of a region (or one cluster). The address is checked
// before any client is built, so a typo costs no request; the result carries names, types,
// states and public-key fingerprints only (the DER public keys stay in main).
import type { CloudInventory, CloudInventoryRequest } from '../../shared/contract-cloud';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { checkRegion } from '../hsm/aws/endpoint';
import type { AwsOperations, CloudHsmCluster } from './aws';
import { parseVaultHost } from './azure';
import type { AzureOperations } from './azure';
import type { GcpOperations } from './gcp';
import { parseKeyRingAddress } from '../hsm/gcp/names';

export interface CloudOperations {
  azure: Pick<AzureOperations, 'listKeys'>;
  gcp: Pick<GcpOperations, 'listKeys'>;
  aws: Pick<AwsOperations, 'listClusters' | 'describeCluster'>;
}

const invalid = (m: string) => new OlocusError(ErrorCode.INVALID_INPUT, m);

const SCHEME = { azure: 'azurekv://', gcp: 'gcpkms://', aws: 'awscloudhsm://' } as const;
const SHAPE = {
  azure: 'azurekv://VAULT-HOST',
  gcp: 'gcpkms://projects/P/locations/L/keyRings/R',
  aws: 'awscloudhsm://REGION or awscloudhsm://REGION/CLUSTER-ID',
} as const;

/** The address without its scheme; another provider's scheme is refused by name. */
function body(provider: CloudInventoryRequest['provider'], address: string): string {
  const text = address.trim();
  const scheme = /^([a-z0-9]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (provider === 'azure') return text;
    throw invalid(`"${address}" is not ${LABEL[provider]} address; give ${SHAPE[provider]}.`);
  }
  if (`${scheme}://` !== SCHEME[provider])
    throw invalid(`"${address}" is not ${LABEL[provider]} address; give ${SHAPE[provider]}.`);
  return text.slice(SCHEME[provider].length).replace(/\/+$/, '');
}

const LABEL = {
  azure: 'an Azure vault',
  gcp: 'a Cloud KMS key ring',
  aws: 'an AWS CloudHSM',
} as const;

const AWS_CLUSTER_ID = /^cluster-[a-z0-9]+$/;

function awsTarget(rest: string, address: string): { region: string; clusterId?: string } {
  const parts = rest.split('/');
  if (parts.length > 2 || parts[0] === '')
    throw invalid(`"${address}" is not a CloudHSM address; give ${SHAPE.aws}.`);
  const region = checkRegion(parts[0]!);
  if (parts.length === 1) return { region };
  if (!AWS_CLUSTER_ID.test(parts[1]!))
    throw invalid('The AWS CloudHSM cluster id must look like cluster-1a2b3c4d5e6.');
  return { region, clusterId: parts[1]! };
}

/** ec-p256 → curve P-256; rsa-3072 → size 3072 (what the product calls the type). */
function shapeOf(keyType: string | null): { curve: string | null; size: number | null } {
  if (keyType?.startsWith('ec-p')) return { curve: `P-${keyType.slice(4)}`, size: null };
  if (keyType === 'ec-secp256k1') return { curve: 'secp256k1', size: null };
  if (keyType === 'ed25519') return { curve: 'Ed25519', size: null };
  const bits = /^(?:rsa|aes)-(\d+)$/.exec(keyType ?? '')?.[1];
  return { curve: null, size: bits ? Number(bits) : null };
}

function awsCluster(c: CloudHsmCluster) {
  const r = c.backupRetention;
  return {
    clusterId: c.clusterId,
    uri: c.uri,
    state: c.state,
    hsmType: c.hsmType,
    backupPolicy: c.backupPolicy,
    backupRetention: r && (r.value || r.type) ? [r.value, r.type].filter(Boolean).join(' ') : null,
    hsms: c.hsms.map((h) => ({
      hsmId: h.hsmId,
      availabilityZone: h.availabilityZone,
      state: h.state,
    })),
  };
}

export async function cloudInventory(
  ops: CloudOperations,
  request: CloudInventoryRequest,
): Promise<CloudInventory> {
  const { provider, address, endpoint } = request;
  const rest = body(provider, address);
  switch (provider) {
    case 'azure': {
      if (endpoint !== undefined)
        throw invalid('An Azure vault is reached at its own host; it takes no endpoint.');
      const host = parseVaultHost(rest);
      const listed = await ops.azure.listKeys(host);
      return {
        provider,
        address: `azurekv://${listed.vault}`,
        managedHsm: listed.managedHsm,
        keys: listed.keys.map((k) => ({
          name: k.name,
          kty: k.kty,
          keyType: k.type,
          ...shapeOf(k.type),
          enabled: k.enabled,
          spkiSha256: k.spkiSha256,
        })),
      };
    }
    case 'gcp': {
      const ring = `gcpkms://${rest}`;
      parseKeyRingAddress(ring);
      const keys = await ops.gcp.listKeys(ring, endpoint !== undefined ? { endpoint } : {});
      return {
        provider,
        address: ring,
        keys: keys.map((k) => {
          const states = new Map<string, number>();
          for (const v of k.versions) states.set(v.state, (states.get(v.state) ?? 0) + 1);
          return {
            // The short id: the full resource name is in `address`.
            name: k.name.slice(k.name.lastIndexOf('/') + 1),
            address: k.address,
            purpose: k.purpose,
            protectionLevel: k.protectionLevel,
            algorithm: k.algorithm,
            primary: k.primary,
            versionCount: k.versions.length,
            versionStates: [...states].map(([state, count]) => ({ state, count })),
          };
        }),
      };
    }
    case 'aws': {
      const target = awsTarget(rest, address);
      const access = endpoint !== undefined ? { endpoint } : {};
      const clusters = target.clusterId
        ? [
            await ops.aws.describeCluster(
              `awscloudhsm://${target.region}/${target.clusterId}`,
              access,
            ),
          ]
        : await ops.aws.listClusters(target.region, access);
      return {
        provider,
        address: `awscloudhsm://${rest}`,
        clusters: clusters.map(awsCluster),
      };
    }
  }
}
