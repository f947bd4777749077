// Commands for AWS CloudHSM (clusters, HSMs, backups, the cluster identity chain).
// Credentials come from the SDK's default chain (environment, ~/.aws, SSO…), never from argv.
import { formatVerdict, verdictExitCode } from '../../main/attestation/index';
import type { AwsAccess, CloudHsmBackup, CloudHsmCluster } from '../../main/service/aws';
import { fields, table } from '../output';
import type { CommandContext, CommandSpec, FlagSpec } from '../spec';
import { optionalString } from '../spec';
import { UsageError } from '../errors';

const ACCESS_FLAGS: Record<string, FlagSpec> = {
  endpoint: {
    type: 'string',
    value: 'URL',
    help: 'CloudHSM API endpoint instead of the regional one (https; http only on loopback)',
  },
  'instance-metadata': {
    type: 'boolean',
    help: "let the credential chain ask the EC2 instance metadata service (an EC2 instance's role)",
  },
};

const CLUSTER_FLAGS: Record<string, FlagSpec> = {
  cluster: { type: 'string', value: 'URI', help: 'the cluster, awscloudhsm://REGION/CLUSTER-ID' },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'hsm-config.yaml whose aws section names region and cluster_id (instead of --cluster)',
  },
};

const CREDENTIALS_NOTE =
  'AWS credentials come from the default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, SSO); they are never stored.';

/** --cluster, or the cluster the --config file names; one of them is needed. */
async function clusterOf(ctx: CommandContext): Promise<string> {
  const given = optionalString(ctx, 'cluster');
  const file = optionalString(ctx, 'config');
  if (given && file) throw new UsageError('Give --cluster or --config, not both.');
  if (given) return given;
  if (!file)
    throw new UsageError(
      'Name the cluster with --cluster awscloudhsm://REGION/CLUSTER-ID or --config FILE.',
    );
  const target = await ctx.service.aws.targetFromConfig(file);
  if (!target.cluster) {
    throw new UsageError(`${file} names no cluster (hsm.aws.cluster_id); give --cluster.`);
  }
  return target.cluster;
}

async function regionOf(ctx: CommandContext): Promise<string> {
  const given = optionalString(ctx, 'region');
  const file = optionalString(ctx, 'config');
  if (given && file) throw new UsageError('Give --region or --config, not both.');
  if (given) return given;
  if (!file) throw new UsageError('Name the region with --region REGION or --config FILE.');
  return (await ctx.service.aws.targetFromConfig(file)).region;
}

/** --endpoint, else the endpoint the --config file names, else the regional API. */
async function access(ctx: CommandContext): Promise<AwsAccess> {
  const file = optionalString(ctx, 'config');
  const endpoint =
    optionalString(ctx, 'endpoint') ??
    (file ? (await ctx.service.aws.targetFromConfig(file)).endpoint : null);
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(ctx.values['instance-metadata'] === true ? { instanceMetadata: true } : {}),
  };
}

const dash = (v: string | null | undefined) =>
  v === null || v === undefined || v === '' ? '-' : v;

function retention(c: CloudHsmCluster): string {
  const r = c.backupRetention;
  return (
    [c.backupPolicy, r && `${dash(r.value)} ${dash(r.type)}`].filter(Boolean).join(', ') || '-'
  );
}

export function formatClusters(region: string, clusters: CloudHsmCluster[]): string {
  if (clusters.length === 0) return `No CloudHSM clusters in ${region}.`;
  const parts = [
    table(
      ['CLUSTER', 'STATE', 'HSM TYPE', 'HSMS', 'BACKUP POLICY', 'VPC'],
      clusters.map((c) => [
        c.clusterId,
        dash(c.state),
        dash(c.hsmType),
        String(c.hsms.length),
        retention(c),
        dash(c.vpcId),
      ]),
    ),
  ];
  const hsms = clusters.flatMap((c) =>
    c.hsms.map((h) => [c.clusterId, h.hsmId, dash(h.availabilityZone), dash(h.ip), dash(h.state)]),
  );
  if (hsms.length > 0) parts.push('', table(['CLUSTER', 'HSM', 'AZ', 'IP', 'STATE'], hsms));
  return parts.join('\n');
}

function formatCluster(c: CloudHsmCluster): string {
  const rows: [string, string][] = [
    ['Cluster', c.uri],
    ['State', `${dash(c.state)}${c.stateMessage ? ` (${c.stateMessage})` : ''}`],
    ['HSM type', dash(c.hsmType)],
    ['Backup policy', retention(c)],
    ['VPC', dash(c.vpcId)],
    ['Security group', dash(c.securityGroup)],
    ['Created', dash(c.createdAt)],
    ['Restored from', dash(c.sourceBackupId)],
    ['Certificates', c.certificates.join(', ') || '-'],
  ];
  const hsms = c.hsms.map((h) => [h.hsmId, dash(h.availabilityZone), dash(h.ip), dash(h.state)]);
  return [
    fields(rows),
    '',
    hsms.length ? table(['HSM', 'AZ', 'IP', 'STATE'], hsms) : 'No HSMs.',
  ].join('\n');
}

export function formatBackups(cluster: string, backups: CloudHsmBackup[]): string {
  if (backups.length === 0) return `No backups of ${cluster}.`;
  return table(
    ['BACKUP', 'STATE', 'CREATED', 'NEVER EXPIRES', 'COPIED FROM'],
    backups.map((b) => [
      b.backupId,
      dash(b.state),
      dash(b.createdAt),
      b.neverExpires === null ? '-' : b.neverExpires ? 'yes' : 'no',
      b.sourceBackup ? `${b.sourceBackup} (${dash(b.sourceRegion)})` : '-',
    ]),
  );
}

export const awsClustersCommand: CommandSpec = {
  words: ['aws', 'clusters'],
  usage: 'aws clusters --region REGION|--config FILE [--endpoint URL] [--instance-metadata]',
  summary:
    'AWS CloudHSM clusters in a region: state, HSMs (AZ, IP, state), HSM type, backup policy',
  details: [CREDENTIALS_NOTE],
  flags: {
    region: { type: 'string', value: 'REGION', help: 'AWS region, e.g. eu-west-1' },
    config: {
      type: 'string',
      value: 'FILE',
      help: 'hsm-config.yaml whose aws section names the region (instead of --region)',
    },
    ...ACCESS_FLAGS,
  },
  async run(ctx) {
    const region = await regionOf(ctx);
    const clusters = await ctx.service.aws.listClusters(region, await access(ctx));
    ctx.out.result({ region, clusters }, () => formatClusters(region, clusters));
    return 0;
  },
};

export const awsClusterCommand: CommandSpec = {
  words: ['aws', 'cluster'],
  usage:
    'aws cluster --cluster awscloudhsm://REGION/CLUSTER-ID|--config FILE [--endpoint URL] [--instance-metadata]',
  summary:
    'one AWS CloudHSM cluster in detail, with its HSMs and which identity certificates AWS returns',
  details: [CREDENTIALS_NOTE],
  flags: { ...CLUSTER_FLAGS, ...ACCESS_FLAGS },
  async run(ctx) {
    const c = await ctx.service.aws.describeCluster(await clusterOf(ctx), await access(ctx));
    ctx.out.result(c, () => formatCluster(c));
    return 0;
  },
};

export const awsBackupsCommand: CommandSpec = {
  words: ['aws', 'backups'],
  usage:
    'aws backups --cluster awscloudhsm://REGION/CLUSTER-ID|--config FILE [--endpoint URL] [--instance-metadata]',
  summary: "an AWS CloudHSM cluster's backups, oldest first",
  details: [CREDENTIALS_NOTE],
  flags: { ...CLUSTER_FLAGS, ...ACCESS_FLAGS },
  async run(ctx) {
    const cluster = await clusterOf(ctx);
    const backups = await ctx.service.aws.listBackups(cluster, await access(ctx));
    ctx.out.result({ cluster, backups }, () => formatBackups(cluster, backups));
    return 0;
  },
};

export const attestClusterCommand: CommandSpec = {
  words: ['attest', 'cluster'],
  usage:
    'attest cluster --cluster awscloudhsm://REGION/CLUSTER-ID|--config FILE [--aws-root PEM] [--manufacturer-root PEM] [--cluster-ca PEM] [--at ISO] [--endpoint URL]',
  summary:
    "verifies an AWS CloudHSM cluster's HSM identity chains (AWS and manufacturer) and CSR key from DescribeClusters",
  details: [
    'Without --aws-root / --manufacturer-root the pinned roots are used (AWS CloudHSM Root G1; Cavium',
    'LiquidSecurity for hsm1.medium). A chain to a root that is not pinned is "unknown". --cluster-ca checks',
    "an initialised cluster's certificate against your issuing CA. Exit 1 unless every check passes.",
    CREDENTIALS_NOTE,
  ],
  flags: {
    ...CLUSTER_FLAGS,
    'aws-root': {
      type: 'string',
      value: 'PEM',
      help: 'the AWS CloudHSM root to use instead of the pinned one',
    },
    'manufacturer-root': {
      type: 'string',
      value: 'PEM',
      help: 'the HSM manufacturer root to use instead of the pinned one',
    },
    'cluster-ca': {
      type: 'string',
      value: 'PEM',
      help: 'your issuing CA (the trust anchor given to InitializeCluster)',
    },
    at: { type: 'string', value: 'ISO', help: 'validate the chains at this time instead of now' },
    ...ACCESS_FLAGS,
  },
  async run(ctx) {
    const awsRoot = optionalString(ctx, 'aws-root');
    const mfrRoot = optionalString(ctx, 'manufacturer-root');
    const clusterCa = optionalString(ctx, 'cluster-ca');
    const at = optionalString(ctx, 'at');
    const v = await ctx.service.aws.attestCluster({
      cluster: await clusterOf(ctx),
      ...(await access(ctx)),
      ...(awsRoot ? { awsRootFile: awsRoot } : {}),
      ...(mfrRoot ? { manufacturerRootFile: mfrRoot } : {}),
      ...(clusterCa ? { clusterCaFile: clusterCa } : {}),
      ...(at ? { at } : {}),
    });
    ctx.out.result(v, () => formatVerdict(v));
    return verdictExitCode(v);
  },
};

export const AWS_COMMANDS: readonly CommandSpec[] = [
  awsClustersCommand,
  awsClusterCommand,
  awsBackupsCommand,
  attestClusterCommand,
];
