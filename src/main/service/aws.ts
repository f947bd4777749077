// The facade's AWS CloudHSM (clusters, HSMs, backups, the cluster identity chain): CeremonyService exposes it as `service.aws`.
// Keys on CloudHSM are reached through its PKCS#11 library (vendor profile aws_cloudhsm) like any
// other token; this part speaks to the CloudHSM v2 management API only.
import { readFile } from 'node:fs/promises';
import type { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { loadHsmConfig } from '../config/index';
import { verifyCloudHsmIdentity } from '../attestation/aws/cluster-identity';
import { pinnedCloudHsmRoots, suppliedAnchor } from '../attestation/aws/roots';
import type { AttestationVerdict } from '../attestation/verdict';
import { createCloudHsmClient } from '../hsm/aws/client';
import { checkEndpoint } from '../hsm/aws/endpoint';
import type { CloudHsmTarget } from '../hsm/aws/client';
import { describeCluster, listBackups, listClusters } from '../hsm/aws/clusters';
import type { CloudHsmBackup, CloudHsmCluster } from '../hsm/aws/clusters';
import { parseKeyAddress } from '../hsm/key-address';
import type { Connections } from './connections';

export type { CloudHsmBackup, CloudHsmCluster, CloudHsmHsm } from '../hsm/aws/clusters';

/** How to reach the API: endpoint override and whether the EC2 metadata service may be asked. */
export interface AwsAccess {
  endpoint?: string;
  instanceMetadata?: boolean;
}

export interface AttestClusterInput extends AwsAccess {
  /** awscloudhsm://REGION/CLUSTER-ID */
  cluster: string;
  /** Files (PEM) replacing the pinned roots, and the customer's issuing CA. */
  awsRootFile?: string;
  manufacturerRootFile?: string;
  clusterCaFile?: string;
  /** ISO 8601 instant to validate at; now by default. */
  at?: string;
}

function clusterAddress(text: string): { region: string; clusterId: string } {
  const a = parseKeyAddress(text);
  if (a.scheme !== 'awscloudhsm') {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `A CloudHSM cluster is addressed as awscloudhsm://REGION/CLUSTER-ID, not ${a.scheme}.`,
    );
  }
  return { region: a.region, clusterId: a.clusterId };
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `Cannot read the ${what} file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
    );
  }
}

/** What an hsm-config.yaml's `aws` section names (region and, when given, the cluster). */
export interface AwsConfigTarget {
  region: string;
  /** awscloudhsm://REGION/CLUSTER-ID when the file names a cluster. */
  cluster: string | null;
  /** The API endpoint the file names instead of the regional one, checked like --endpoint. */
  endpoint: string | null;
}

export class AwsOperations {
  constructor(private readonly connections: Connections) {}

  /** The PKCS#11 connections the ceremony holds, for keys that cross between HSMs. */
  protected get pkcs11(): Connections {
    return this.connections;
  }

  private async open(
    region: string,
    access: AwsAccess,
  ): Promise<{ client: CloudHSMV2Client; where: string }> {
    const target: CloudHsmTarget = { region, ...access };
    const client = await createCloudHsmClient(target);
    return { client, where: access.endpoint ?? `cloudhsmv2.${region}.amazonaws.com` };
  }

  /**
   * The region, cluster and endpoint an hsm-config.yaml names in its `aws` section.
   */
  async targetFromConfig(path: string): Promise<AwsConfigTarget> {
    const { config } = await loadHsmConfig(path, { machineChecks: false });
    const aws = config.hsm.aws;
    if (!aws?.region) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `${path} names no AWS region (hsm.aws.region); give --region or add it to the file.`,
      );
    }
    return {
      region: aws.region,
      cluster: aws.cluster_id ? `awscloudhsm://${aws.region}/${aws.cluster_id}` : null,
      endpoint: aws.endpoint ? checkEndpoint(aws.endpoint) : null,
    };
  }

  /** Every cluster these credentials see in a region, with HSMs (AZ, IP, state) and backup policy. */
  async listClusters(region: string, access: AwsAccess = {}): Promise<CloudHsmCluster[]> {
    const { client, where } = await this.open(region, access);
    try {
      return await listClusters(client, region, where);
    } finally {
      client.destroy();
    }
  }

  async describeCluster(cluster: string, access: AwsAccess = {}): Promise<CloudHsmCluster> {
    const { region, clusterId } = clusterAddress(cluster);
    const { client, where } = await this.open(region, access);
    try {
      return (await describeCluster(client, region, clusterId, where)).cluster;
    } finally {
      client.destroy();
    }
  }

  async listBackups(cluster: string, access: AwsAccess = {}): Promise<CloudHsmBackup[]> {
    const { region, clusterId } = clusterAddress(cluster);
    const { client, where } = await this.open(region, access);
    try {
      return await listBackups(client, clusterId, where);
    } finally {
      client.destroy();
    }
  }

  /** The cluster's HSM identity chains (and cluster certificate) as one attestation verdict. */
  async attestCluster(input: AttestClusterInput): Promise<AttestationVerdict> {
    const { region, clusterId } = clusterAddress(input.cluster);
    let at: Date | undefined;
    if (input.at !== undefined) {
      at = new Date(input.at);
      if (Number.isNaN(at.getTime())) {
        throw new OlocusError(ErrorCode.INVALID_INPUT, `"${input.at}" is not an ISO 8601 time.`);
      }
    }
    // Inputs are read before any network call, so a typo in a path costs no request.
    const pinned = pinnedCloudHsmRoots();
    const awsRoot = input.awsRootFile
      ? suppliedAnchor('AWS root you supplied', await readPem(input.awsRootFile, 'AWS root'))
      : null;
    const mfrRoot = input.manufacturerRootFile
      ? suppliedAnchor(
          'manufacturer root you supplied',
          await readPem(input.manufacturerRootFile, 'manufacturer root'),
        )
      : null;
    const clusterCa = input.clusterCaFile
      ? suppliedAnchor(
          'the cluster CA you supplied',
          await readPem(input.clusterCaFile, 'cluster CA'),
        )
      : undefined;
    const { client, where } = await this.open(region, input);
    let found;
    try {
      found = await describeCluster(client, region, clusterId, where);
    } finally {
      client.destroy();
    }
    return verifyCloudHsmIdentity(
      found.certificates,
      {
        aws: awsRoot ? [awsRoot] : pinned.aws,
        manufacturer: mfrRoot ? [mfrRoot] : pinned.manufacturer,
        ...(clusterCa ? { clusterCa } : {}),
      },
      {
        ...(at ? { at } : {}),
        uri: `awscloudhsm://${region}/${clusterId}`,
        clusterState: found.cluster.state,
      },
    );
  }
}
