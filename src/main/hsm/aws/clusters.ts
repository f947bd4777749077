// CloudHSM clusters, their HSMs and their backups, read through DescribeClusters and
// DescribeBackups (every page, following NextToken), in the shape the CLI and the report print.
import type { Backup, CloudHSMV2Client, Cluster, Certificates } from '@aws-sdk/client-cloudhsm-v2';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { cloudHsmError } from './errors';

export interface CloudHsmHsm {
  hsmId: string;
  availabilityZone: string | null;
  ip: string | null;
  state: string | null;
  stateMessage: string | null;
  subnetId: string | null;
  eniId: string | null;
}

export interface CloudHsmCluster {
  clusterId: string;
  /** awscloudhsm://REGION/CLUSTER-ID */
  uri: string;
  state: string | null;
  stateMessage: string | null;
  hsmType: string | null;
  backupPolicy: string | null;
  backupRetention: { type: string | null; value: string | null } | null;
  vpcId: string | null;
  securityGroup: string | null;
  sourceBackupId: string | null;
  createdAt: string | null;
  hsms: CloudHsmHsm[];
  /** Which identity certificates DescribeClusters returned (names of the Certificates fields). */
  certificates: string[];
}

export interface CloudHsmBackup {
  backupId: string;
  clusterId: string | null;
  state: string | null;
  createdAt: string | null;
  copiedAt: string | null;
  deleteAt: string | null;
  neverExpires: boolean | null;
  sourceRegion: string | null;
  sourceBackup: string | null;
  sourceCluster: string | null;
}

/** The PEM fields of DescribeClusters' Certificates, as AWS returned them. */
export type ClusterCertificatesPem = Partial<Record<keyof Certificates, string>>;

const time = (d: Date | undefined) => (d ? d.toISOString().replace('.000Z', 'Z') : null);

function toHsm(h: NonNullable<Cluster['Hsms']>[number]): CloudHsmHsm {
  return {
    hsmId: h.HsmId ?? '',
    availabilityZone: h.AvailabilityZone ?? null,
    ip: h.EniIp ?? null,
    state: h.State ?? null,
    stateMessage: h.StateMessage ?? null,
    subnetId: h.SubnetId ?? null,
    eniId: h.EniId ?? null,
  };
}

export function toCluster(c: Cluster, region: string): CloudHsmCluster {
  const id = c.ClusterId ?? '';
  return {
    clusterId: id,
    uri: `awscloudhsm://${region}/${id}`,
    state: c.State ?? null,
    stateMessage: c.StateMessage ?? null,
    hsmType: c.HsmType ?? null,
    backupPolicy: c.BackupPolicy ?? null,
    backupRetention: c.BackupRetentionPolicy
      ? {
          type: c.BackupRetentionPolicy.Type ?? null,
          value: c.BackupRetentionPolicy.Value ?? null,
        }
      : null,
    vpcId: c.VpcId ?? null,
    securityGroup: c.SecurityGroup ?? null,
    sourceBackupId: c.SourceBackupId ?? null,
    createdAt: time(c.CreateTimestamp),
    hsms: (c.Hsms ?? []).map(toHsm),
    certificates: Object.entries(c.Certificates ?? {})
      .filter(([, v]) => typeof v === 'string' && v.length > 0)
      .map(([k]) => k),
  };
}

function toBackup(b: Backup): CloudHsmBackup {
  return {
    backupId: b.BackupId ?? '',
    clusterId: b.ClusterId ?? null,
    state: b.BackupState ?? null,
    createdAt: time(b.CreateTimestamp),
    copiedAt: time(b.CopyTimestamp),
    deleteAt: time(b.DeleteTimestamp),
    neverExpires: b.NeverExpires ?? null,
    sourceRegion: b.SourceRegion ?? null,
    sourceBackup: b.SourceBackup ?? null,
    sourceCluster: b.SourceCluster ?? null,
  };
}

async function describeClusters(
  client: CloudHSMV2Client,
  filters: Record<string, string[]> | undefined,
  where: string,
): Promise<Cluster[]> {
  const { paginateDescribeClusters } = await import('@aws-sdk/client-cloudhsm-v2');
  const out: Cluster[] = [];
  try {
    for await (const page of paginateDescribeClusters(
      { client },
      filters ? { Filters: filters } : {},
    )) {
      out.push(...(page.Clusters ?? []));
    }
  } catch (e) {
    throw cloudHsmError(e, 'list the CloudHSM clusters', where);
  }
  return out;
}

/** Every cluster the credentials can see in the client's region. */
export async function listClusters(
  client: CloudHSMV2Client,
  region: string,
  where: string,
): Promise<CloudHsmCluster[]> {
  return (await describeClusters(client, undefined, where)).map((c) => toCluster(c, region));
}

/** One cluster with the identity certificates DescribeClusters returned for it. */
export async function describeCluster(
  client: CloudHSMV2Client,
  region: string,
  clusterId: string,
  where: string,
): Promise<{ cluster: CloudHsmCluster; certificates: ClusterCertificatesPem }> {
  const found = (await describeClusters(client, { clusterIds: [clusterId] }, where)).find(
    (c) => c.ClusterId === clusterId,
  );
  if (!found) {
    throw new OlocusError(
      ErrorCode.TOKEN_NOT_FOUND,
      `No CloudHSM cluster ${clusterId} in ${region} is visible to these AWS credentials.`,
    );
  }
  const certificates: ClusterCertificatesPem = {};
  for (const [k, v] of Object.entries(found.Certificates ?? {})) {
    if (typeof v === 'string' && v.length > 0) certificates[k as keyof Certificates] = v;
  }
  return { cluster: toCluster(found, region), certificates };
}

/** The backups of one cluster, oldest first. */
export async function listBackups(
  client: CloudHSMV2Client,
  clusterId: string,
  where: string,
): Promise<CloudHsmBackup[]> {
  const { paginateDescribeBackups } = await import('@aws-sdk/client-cloudhsm-v2');
  const out: CloudHsmBackup[] = [];
  try {
    for await (const page of paginateDescribeBackups(
      { client },
      { Filters: { clusterIds: [clusterId] }, SortAscending: true },
    )) {
      out.push(...(page.Backups ?? []).map(toBackup));
    }
  } catch (e) {
    throw cloudHsmError(e, `list the backups of ${clusterId}`, where);
  }
  return out;
}
