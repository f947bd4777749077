// Application Default Credentials, looked for without the network. google-auth-library, finding
// no credentials file, asks the GCE metadata server (169.254.169.254) whether it is on Google
// Cloud and waits for that to fail; on an air-gapped ceremony laptop that is a pointless packet
// and a delay before a vague error. So before any client is made we check the places ADC reads,
// in its order, and on no source at all say so in one sentence. The app never stores credentials.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces, platform } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OlocusError } from '../../../shared/errors';

export type AdcSource =
  | { kind: 'env-file'; path: string }
  | { kind: 'gcloud-file'; path: string }
  | { kind: 'google-cloud'; evidence: string };

export interface AdcEnvironment {
  env: NodeJS.ProcessEnv;
  /** Overridable so tests can tell the truth about a machine without being one. */
  onGoogleCloud?: () => string | null;
}

/** The gcloud well-known file: %APPDATA%\gcloud on Windows, ~/.config/gcloud elsewhere. */
function wellKnownFile(env: NodeJS.ProcessEnv): string | null {
  const base =
    platform() === 'win32' ? env.APPDATA : env.HOME ? join(env.HOME, '.config') : undefined;
  return base ? join(base, 'gcloud', 'application_default_credentials.json') : null;
}

/**
 * The same local evidence gcp-metadata's residency check uses (serverless variables, a Google
 * BIOS, a GCE MAC prefix), or an explicit metadata setting; none of it touches the network.
 */
export function googleCloudEvidence(env: NodeJS.ProcessEnv): string | null {
  for (const name of ['K_SERVICE', 'CLOUD_RUN_JOB', 'FUNCTION_NAME']) {
    if (env[name]) return `${name} is set (Cloud Run / Cloud Functions)`;
  }
  if (env.GCE_METADATA_HOST || env.GCE_METADATA_IP) return 'GCE_METADATA_HOST is set';
  if (env.METADATA_SERVER_DETECTION?.trim().toLowerCase() === 'assume-present')
    return 'METADATA_SERVER_DETECTION=assume-present';
  if (platform() === 'linux') {
    try {
      statSync('/sys/class/dmi/id/bios_date');
      if (/Google/.test(readFileSync('/sys/class/dmi/id/bios_vendor', 'utf8')))
        return 'the BIOS vendor is Google (Compute Engine)';
    } catch {
      // not a GCE BIOS
    }
  }
  for (const list of Object.values(networkInterfaces())) {
    if (list?.some((i) => /^42:01/.test(i.mac))) return 'a Compute Engine MAC address';
  }
  return null;
}

/** Where ADC would find credentials, or a 102 error saying how to provide them. */
export function requireAdcSource(where: AdcEnvironment = { env: process.env }): AdcSource {
  const env = where.env;
  const named = env.GOOGLE_APPLICATION_CREDENTIALS || env.google_application_credentials;
  if (named) {
    if (!existsSync(named))
      throw new OlocusError(
        ErrorCode.AUTHENTICATION_FAILED,
        `GOOGLE_APPLICATION_CREDENTIALS names ${named}, which does not exist; point it at a credentials file or unset it.`,
      );
    return { kind: 'env-file', path: named };
  }
  const known = wellKnownFile(env);
  if (known && existsSync(known)) return { kind: 'gcloud-file', path: known };
  const evidence = (where.onGoogleCloud ?? (() => googleCloudEvidence(env)))();
  if (evidence && env.METADATA_SERVER_DETECTION?.trim().toLowerCase() !== 'none')
    return { kind: 'google-cloud', evidence };
  throw new OlocusError(
    ErrorCode.AUTHENTICATION_FAILED,
    'No Google Cloud credentials were found (no GOOGLE_APPLICATION_CREDENTIALS, no gcloud application-default login, not running on Google Cloud); run "gcloud auth application-default login" or set GOOGLE_APPLICATION_CREDENTIALS, since this app never stores credentials.',
  );
}
