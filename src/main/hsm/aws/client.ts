// The CloudHSM v2 API client, on the official SDK and its default credential chain (environment,
// shared config and credentials files, SSO, web identity, process, container). The app never
// stores or asks for AWS credentials.
//
// One exception to "default": the chain's last resort is the EC2 instance metadata service at
// 169.254.169.254. A ceremony laptop is not an EC2 instance, and there the probe costs a timeout
// and sends a request onto whatever network the laptop is on. So unless the user has said
// something about it (AWS_EC2_METADATA_DISABLED set, or container credentials
// configured) or asks for it (`instanceMetadata`, CLI --instance-metadata), the client is built
// with the probe disabled. The SDK reads AWS_EC2_METADATA_DISABLED once, when the client builds
// its credential chain inside the constructor, so the variable is set for that synchronous call
// only and restored at once: nothing else in the process sees it.
import type { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { checkEndpoint, checkRegion } from './endpoint';

const IMDS_DISABLED = 'AWS_EC2_METADATA_DISABLED';
const CONTAINER_CREDENTIALS = [
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

export interface CloudHsmTarget {
  region: string;
  /** https URL (or http on loopback) replacing the regional endpoint. */
  endpoint?: string;
  /** Let the credential chain ask the EC2 instance metadata service (an EC2 instance's role). */
  instanceMetadata?: boolean;
}

/** Whether the chain built now would skip the instance metadata service, and who decided. */
export function instanceMetadataPolicy(
  target: Pick<CloudHsmTarget, 'instanceMetadata'>,
  env: NodeJS.ProcessEnv = process.env,
): { asked: boolean; decidedBy: 'user' | 'olocus' } {
  // The SDK reads these by truthiness (any non-empty value, "false" included, disables the
  // probe); an empty value is no statement either way.
  if (env[IMDS_DISABLED] || CONTAINER_CREDENTIALS.some((n) => env[n])) {
    return { asked: !env[IMDS_DISABLED], decidedBy: 'user' };
  }
  return { asked: target.instanceMetadata === true, decidedBy: 'olocus' };
}

/** The SDK loads on first use: commands that never reach AWS do not pay for it. */
export async function createCloudHsmClient(target: CloudHsmTarget): Promise<CloudHSMV2Client> {
  const region = checkRegion(target.region);
  const endpoint = target.endpoint === undefined ? undefined : checkEndpoint(target.endpoint);
  const { CloudHSMV2Client: Client } = await import('@aws-sdk/client-cloudhsm-v2');
  const policy = instanceMetadataPolicy(target);
  const disableHere = policy.decidedBy === 'olocus' && !policy.asked;
  if (disableHere) process.env[IMDS_DISABLED] = 'true';
  try {
    return new Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      // 'standard' rather than 'auto': auto mode would itself ask the metadata service for the
      // region. Retries stay the SDK's (throttling and 5xx only).
      defaultsMode: 'standard',
    });
  } finally {
    if (disableHere) delete process.env[IMDS_DISABLED];
  }
}
