// What Azure said, as one sentence a ceremony officer can act on, naming the vault and the key.
// The SDK's errors are recognised by name and status (RestError from the HTTP pipeline,
// CredentialUnavailableError / AggregateAuthenticationError / AuthenticationError from
// @azure/identity) so that the HSM layer does not depend on the pipeline package itself.
import { ErrorCode, OlocusError } from '../../../shared/errors';

export interface AzureTarget {
  vault: string;
  /** The key's name, when the operation is about one key. */
  key?: string;
  /** What was being done, e.g. "reading", "signing with", "importing". */
  action: string;
}

interface SdkError {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  errors?: unknown[];
  errorResponse?: { error?: string; errorDescription?: string };
}

const CREDENTIAL_HELP =
  'sign in with `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run where a managed identity is assigned (the app never stores credentials)';

function what(t: AzureTarget): string {
  return t.key ? `key "${t.key}" in vault ${t.vault}` : `vault ${t.vault}`;
}

/** The service's own words, without the request id and time stamps Entra adds. */
function serviceSays(e: SdkError): string {
  const first = (e.message ?? '')
    .split('\n')[0]!
    .replace(/\s*Trace ID:.*$/, '')
    .trim();
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

function authenticationFailure(e: SdkError, t: AzureTarget): OlocusError | null {
  if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError') {
    const inner = (e.errors ?? []) as SdkError[];
    // An aggregate whose members all say "unavailable" means no credential was found at all;
    // one that holds an AuthenticationError means a credential was found and refused.
    const refused = inner.find((x) => x?.name === 'AuthenticationError');
    if (refused) return authenticationFailure(refused, t);
    return new OlocusError(
      ErrorCode.AUTHENTICATION_FAILED,
      `No Azure credential is available for ${what(t)}: ${CREDENTIAL_HELP}.`,
      { cause: e },
    );
  }
  if (e.name === 'AuthenticationError') {
    // Entra's own words (AADSTS code and sentence) sit in the description, under the wrapper's.
    const detail = `${e.errorResponse?.errorDescription ?? ''} ${e.message ?? ''}`;
    const aadsts = /AADSTS\d+:[^.\n]*\.?/.exec(detail)?.[0];
    return new OlocusError(
      ErrorCode.AUTHENTICATION_FAILED,
      `Microsoft Entra ID refused the Azure credential while ${t.action} ${what(t)} (${aadsts ?? serviceSays(e)}); check the tenant, client id and secret or certificate.`,
      { cause: e },
    );
  }
  return null;
}

/** Turns anything the Azure SDK threw into an OlocusError; OlocusErrors pass through. */
export function azureError(err: unknown, t: AzureTarget): OlocusError {
  if (err instanceof OlocusError) return err;
  const e = (err ?? {}) as SdkError;
  const auth = authenticationFailure(e, t);
  if (auth) return auth;
  const status = e.statusCode;
  const says = serviceSays(e);
  switch (status) {
    case 401:
      return new OlocusError(
        ErrorCode.AUTHENTICATION_FAILED,
        `Azure Key Vault ${t.vault} did not accept the credential while ${t.action} ${what(t)} (401: ${says}).`,
        { cause: err },
      );
    case 403:
      return new OlocusError(
        ErrorCode.AUTHENTICATION_FAILED,
        `The Azure identity is not allowed to act on ${what(t)} (403 while ${t.action} it: ${says}); grant it the Key Vault role or access policy this needs.`,
        { cause: err },
      );
    case 404:
      return new OlocusError(
        ErrorCode.KEY_NOT_FOUND,
        t.key
          ? `There is no key "${t.key}" in Azure Key Vault ${t.vault} (404: ${says}).`
          : `Azure Key Vault ${t.vault} answered 404 while ${t.action} it (${says}).`,
        { cause: err },
      );
    case 429:
      return new OlocusError(
        ErrorCode.CONNECTION_FAILED,
        `Azure Key Vault ${t.vault} is throttling requests (429 while ${t.action} ${what(t)}, after the SDK's retries); wait a minute and try again.`,
        { cause: err },
      );
    case 400:
    case 409:
      return new OlocusError(
        ErrorCode.OPERATION_FAILED,
        `Azure Key Vault ${t.vault} refused ${t.action} ${what(t)} (${status}: ${says}).`,
        { cause: err },
      );
    default:
      break;
  }
  if (
    status === undefined ||
    e.code === 'REQUEST_SEND_ERROR' ||
    /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|certificate/i.test(
      `${e.code ?? ''} ${e.message ?? ''}`,
    )
  )
    return new OlocusError(
      ErrorCode.CONNECTION_FAILED,
      `Cannot reach Azure Key Vault ${t.vault} while ${t.action} ${what(t)} (${says || e.code || 'no answer'}).`,
      { cause: err },
    );
  return new OlocusError(
    ErrorCode.OPERATION_FAILED,
    `Azure Key Vault ${t.vault} failed while ${t.action} ${what(t)} (${status}: ${says}).`,
    { cause: err },
  );
}

/** Runs an SDK call and translates what it throws. */
export async function azureCall<T>(t: AzureTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw azureError(e, t);
  }
}
