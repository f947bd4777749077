// The environment the AWS SDK's default credential chain reads. Tests clear it so that nothing the
// developer's shell or ~/.aws holds (a profile, a role, a metadata endpoint) decides the outcome,
// and put it back afterwards.
import { join } from 'node:path';

const AWS_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
] as const;

/** Remembers the AWS variables as they are now; the function returned puts them back. */
export function saveAwsEnv(): () => void {
  const saved = Object.fromEntries(AWS_ENV.map((n) => [n, process.env[n]]));
  return () => {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  };
}

/**
 * Leaves the chain only `keys` (or nothing at all): every AWS variable cleared, and the config
 * and credentials files pointed at names that do not exist under `dir`.
 */
export function setAwsCredentials(
  dir: string,
  keys: { accessKeyId: string; secretAccessKey: string } | null,
): void {
  for (const n of AWS_ENV) delete process.env[n];
  process.env.AWS_CONFIG_FILE = join(dir, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'no-credentials');
  if (keys) {
    process.env.AWS_ACCESS_KEY_ID = keys.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = keys.secretAccessKey;
  }
}
